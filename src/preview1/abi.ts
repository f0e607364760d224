// Preview1 ABI constants (wasi_snapshot_preview1.witx): flag sets, enum
// ranges and struct layouts. Flag arguments with unknown bits and enum
// arguments out of range are EINVAL before anything else happens, as
// wiggle decodes arguments before the call.
import { E } from './errno.js';

export const FILETYPE = { unknown: 0, blockDevice: 1, characterDevice: 2, directory: 3, regularFile: 4, symbolicLink: 7 } as const;
export const FDFLAGS = { append: 1, dsync: 2, nonblock: 4, rsync: 8, sync: 16, all: 0x1f } as const;
export const OFLAGS = { creat: 1, directory: 2, excl: 4, trunc: 8, all: 0xf } as const;
export const LOOKUP_SYMLINK_FOLLOW = 1;
export const FSTFLAGS = { atim: 1, atimNow: 2, mtim: 4, mtimNow: 8, all: 0xf } as const;
export const SUBCLOCK_ABSTIME = 1;
export const EVENTRW_HANGUP = 1;

const bit = (n: number) => 1n << BigInt(n);
export const RIGHTS = {
  fdDatasync: bit(0), fdRead: bit(1), fdSeek: bit(2), fdFdstatSetFlags: bit(3), fdSync: bit(4),
  fdTell: bit(5), fdWrite: bit(6), fdAdvise: bit(7), fdAllocate: bit(8), pathCreateDirectory: bit(9),
  pathCreateFile: bit(10), pathLinkSource: bit(11), pathLinkTarget: bit(12), pathOpen: bit(13),
  fdReaddir: bit(14), pathReadlink: bit(15), pathRenameSource: bit(16), pathRenameTarget: bit(17),
  pathFilestatGet: bit(18), pathFilestatSetSize: bit(19), pathFilestatSetTimes: bit(20),
  fdFilestatGet: bit(21), fdFilestatSetSize: bit(22), fdFilestatSetTimes: bit(23), pathSymlink: bit(24),
  pathRemoveDirectory: bit(25), pathUnlinkFile: bit(26), pollFdReadwrite: bit(27), sockShutdown: bit(28),
  sockAccept: bit(29), all: bit(30) - 1n,
} as const;

export const ADVICE = ['normal', 'sequential', 'random', 'will-need', 'dont-need', 'no-reuse'] as const;

/** A flags argument (u16/u32 in an i32, or u64 rights in an i64): EINVAL on unknown bits. */
export function flags(value: number, all: number): number {
  if ((value >>> 0) & ~all) throw E.INVAL;
  return value >>> 0;
}

export function rights(value: bigint): bigint {
  if (BigInt.asUintN(64, value) & ~RIGHTS.all) throw E.INVAL;
  return BigInt.asUintN(64, value);
}

/** An enum argument: EINVAL unless 0 <= value < count. */
export function enumValue(value: number, count: number): number {
  if ((value >>> 0) >= count) throw E.INVAL;
  return value >>> 0;
}

export const SIZE = { iovec: 8, filestat: 64, fdstat: 24, prestat: 8, dirent: 24, subscription: 48, event: 32 } as const;
