// Conversions between WASI 0.2 values (shims/*) and preview1 ones.
import { FILETYPE, FSTFLAGS } from './abi.js';
import { E } from './errno.js';
import { GuestTrap, type GuestMemory } from './memory.js';
import type { Datetime, DescriptorStat, NewTimestamp } from './p2.js';

const U64_MAX = (1n << 64n) - 1n;

/** Nanoseconds since the epoch (EOVERFLOW beyond u64, as Wasmtime). */
export function nanos(d: Datetime | undefined): bigint {
  if (!d) return 0n;
  const ns = d.seconds * 1_000_000_000n + BigInt(d.nanoseconds);
  if (ns > U64_MAX || ns < 0n) throw E.OVERFLOW;
  return ns;
}

export function filetype(type: string): number {
  switch (type) {
    case 'regular-file': return FILETYPE.regularFile;
    case 'directory': return FILETYPE.directory;
    case 'symbolic-link': return FILETYPE.symbolicLink;
    case 'block-device': return FILETYPE.blockDevice;
    case 'character-device': return FILETYPE.characterDevice;
    case 'socket': throw new GuestTrap('sockets are not currently supported');
    default: return FILETYPE.unknown; // fifo (preview1 has no code) and unknown
  }
}

/** fd_filestat_set_times / path_filestat_set_times: one timestamp from its value and flags. */
export function newTimestamp(ts: bigint, fstflags: number, set: number, now: number): NewTimestamp {
  const isSet = (fstflags & set) !== 0;
  const isNow = (fstflags & now) !== 0;
  if (isSet && isNow) throw E.INVAL;
  if (isSet) {
    const t = BigInt.asUintN(64, ts);
    return { tag: 'timestamp', val: { seconds: t / 1_000_000_000n, nanoseconds: Number(t % 1_000_000_000n) } };
  }
  return { tag: isNow ? 'now' : 'no-change' };
}

export function timestamps(atim: bigint, mtim: bigint, fstflags: number): [NewTimestamp, NewTimestamp] {
  return [newTimestamp(atim, fstflags, FSTFLAGS.atim, FSTFLAGS.atimNow), newTimestamp(mtim, fstflags, FSTFLAGS.mtim, FSTFLAGS.mtimNow)];
}

/** Writes a filestat (64 bytes, align 8). */
export function writeFilestat(mem: GuestMemory, ptr: number, st: DescriptorStat, ino: bigint): void {
  const atim = nanos(st.dataAccessTimestamp);
  const mtim = nanos(st.dataModificationTimestamp);
  const ctim = nanos(st.statusChangeTimestamp);
  const type = filetype(st.type);
  ptr = mem.check(ptr, 64, 8);
  const v = mem.dataView();
  v.setBigUint64(ptr, 1n, true); // dev
  v.setBigUint64(ptr + 8, BigInt.asUintN(64, ino), true);
  v.setUint8(ptr + 16, type); // padding bytes are left as they are, as wiggle does
  v.setBigUint64(ptr + 24, st.linkCount, true);
  v.setBigUint64(ptr + 32, st.size, true);
  v.setBigUint64(ptr + 40, atim, true);
  v.setBigUint64(ptr + 48, mtim, true);
  v.setBigUint64(ptr + 56, ctim, true);
  mem.touched(ptr, 64);
}

/** Writes the stat of a stdio stream: all zero but the type. */
export function writeStdioFilestat(mem: GuestMemory, ptr: number, type: number): void {
  ptr = mem.check(ptr, 64, 8);
  const v = mem.dataView();
  for (const at of [0, 8, 24, 32, 40, 48, 56]) v.setBigUint64(ptr + at, 0n, true);
  v.setUint8(ptr + 16, type);
  mem.touched(ptr, 64);
}
