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
