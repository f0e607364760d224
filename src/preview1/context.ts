// What every group of preview1 calls works with: the guest memory (bound
// once the instance exists), the run's descriptor table and the WASI 0.2
// host functions.
import { E } from './errno.js';
import type { FdTable } from './fd-table.js';
import { GuestTrap, type GuestMemory } from './memory.js';
import type { P2 } from './p2.js';

export interface Context {
  mem: GuestMemory;
  fds: FdTable;
  p2: P2;
}

/** A memory that is not bound yet: a call before instantiation finished traps. */
export const UNBOUND = new Proxy({}, {
  get: () => () => {
    throw new GuestTrap('wasi_snapshot_preview1 called before the module\'s memory was available');
  },
}) as GuestMemory;

/**
 * The first non-empty buffer of an iovec array (ptr, len), or an empty one:
 * Wasmtime reads and writes one buffer per call (a short read or write the
 * guest's libc loops over). Elements are read one by one, as wiggle does.
 */
export function firstBuffer(mem: GuestMemory, iovs: number, count: number): [number, number] {
  iovs >>>= 0;
  count >>>= 0;
  for (let i = 0; i < count; i++) {
    const at = iovs + i * 8;
    const len = mem.u32(at + 4);
    if (len === 0) continue;
    const ptr = mem.u32(at);
    mem.check(ptr, len);
    return [ptr, len];
  }
  return [0, 0];
}

/** What a Linux pipe takes whole (PIPE_BUF): a write of at most this many bytes is never split. */
export const PIPE_BUF = 4096;
const EMPTY = new Uint8Array(0);

/**
 * The bytes one stdio write moves, as a view valid until the next call that
 * may grow memory or write to stdio. All the call's buffers, joined in
 * `scratch` (PIPE_BUF bytes, the instance's own: an output callback may run
 * another instance), when they lie in memory and hold at most PIPE_BUF bytes
 * together: a pipe takes such a writev whole, and libc's puts hands over a
 * line and its newline as two buffers (one capture write instead of two, and
 * no second host call). Otherwise the first non-empty buffer, as firstBuffer
 * (and Wasmtime): a later buffer out of bounds traps no more than there.
 */
export function stdioChunk(mem: GuestMemory, iovs: number, count: number, scratch: Uint8Array): Uint8Array {
  iovs >>>= 0;
  count >>>= 0;
  const all = joinSmall(mem, iovs, count, scratch);
  if (all) return all;
  const [ptr, len] = firstBuffer(mem, iovs, count);
  return len ? mem.bytes(ptr, len) : EMPTY;
}

/** stdioChunk's joined buffers, or null where it takes the first buffer only. */
function joinSmall(mem: GuestMemory, iovs: number, count: number, scratch: Uint8Array): Uint8Array | null {
  if (count < 2 || (iovs & 3) !== 0 || !mem.holds(iovs, count * 8)) return null;
  let total = 0;
  let buffers = 0;
  const array = mem.dataView(); // the array is in memory and aligned (checked above)
  for (let i = 0; i < count; i++) {
    const len = array.getUint32(iovs + i * 8 + 4, true);
    if (len === 0) continue;
    const ptr = array.getUint32(iovs + i * 8, true);
    if (total + len > PIPE_BUF || !mem.holds(ptr, len)) return null;
    mem.copyOut(ptr, len, scratch, total);
    total += len;
    buffers++;
  }
  return buffers > 1 ? scratch.subarray(0, total) : null;
}

/** Wraps a host call: a thrown errno (number or WASI 0.2 code) becomes its return value; traps and exits propagate. */
export type HostFn = (...args: any[]) => number;

export function guard(fn: HostFn, errnoOf: (e: unknown) => number | undefined): HostFn {
  return function (a?: unknown, b?: unknown, c?: unknown, d?: unknown, e?: unknown, f?: unknown, g?: unknown, h?: unknown, i?: unknown) {
    try {
      return fn(a, b, c, d, e, f, g, h, i);
    } catch (x) {
      const errno = errnoOf(x);
      if (errno === undefined) throw x;
      return errno;
    }
  };
}

export { E };
