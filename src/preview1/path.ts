// path_* calls: each resolves a path relative to a directory descriptor
// through the file system's own (sandboxed) resolution. The order of checks
// follows Wasmtime: for most calls the directory first, then the path;
// path_open reads the path first and answers ENOTDIR for a file descriptor.
import { FDFLAGS, FSTFLAGS, LOOKUP_SYMLINK_FOLLOW, OFLAGS, RIGHTS, flags, rights } from './abi.js';
import type { Context } from './context.js';
import { timestamps, writeFilestat } from './convert.js';
import { E } from './errno.js';
import type { Flags } from './p2.js';

const FOLLOW: Flags = { symlinkFollow: true };
const NOFOLLOW: Flags = {};

export function path(ctx: Context) {
  const { fds } = ctx;
  /** A path argument; a NUL in it is EINVAL, as the host OS answers Wasmtime. */
  const str = (ptr: number, len: number) => {
    const s = ctx.mem.string(ptr, len);
    if (s.includes('\0')) throw E.INVAL;
    return s;
  };
  const lookup = (value: number) => (flags(value, LOOKUP_SYMLINK_FOLLOW) ? FOLLOW : NOFOLLOW);

  return {
    path_open(dirfd: number, dirflags: number, pathPtr: number, pathLen: number, oflags: number,
      base: bigint, inheriting: bigint, fdflags: number, resultPtr: number) {
      const pathFlags = lookup(dirflags);
      const o = flags(oflags, OFLAGS.all);
      const rightsBase = rights(base);
      rights(inheriting);
      const fdf = flags(fdflags, FDFLAGS.all);
      const p = str(pathPtr, pathLen);
      const dir = fds.get(dirfd);
      if (dir.kind === 'file') throw E.NOTDIR;
      if (dir.kind !== 'dir') throw E.BADF;
      const descFlags: Flags = {
        read: (rightsBase & RIGHTS.fdRead) !== 0n,
        write: (rightsBase & RIGHTS.fdWrite) !== 0n,
        fileIntegritySync: (fdf & FDFLAGS.sync) !== 0,
        dataIntegritySync: (fdf & FDFLAGS.dsync) !== 0,
        requestedWriteSync: (fdf & FDFLAGS.rsync) !== 0,
        // A directory opened below another inherits its permission to change it (Wasmtime's DirPerms).
        mutateDirectory: dir.desc.getFlags().mutateDirectory,
      };
      const openFlags: Flags = {
        create: (o & OFLAGS.creat) !== 0,
        directory: (o & OFLAGS.directory) !== 0,
        exclusive: (o & OFLAGS.excl) !== 0,
        truncate: (o & OFLAGS.trunc) !== 0,
      };
      const desc = dir.desc.openAt(pathFlags, p, openFlags, descFlags);
      const fd = desc.getType() === 'directory'
        ? fds.push({ kind: 'dir', desc, preopen: null })
        : fds.push({ kind: 'file', desc, position: 0n, append: (fdf & FDFLAGS.append) !== 0, nonblock: (fdf & FDFLAGS.nonblock) !== 0 });
      ctx.mem.setU32(resultPtr, fd);
      return E.SUCCESS;
    },

    path_create_directory(dirfd: number, pathPtr: number, pathLen: number) {
      const dir = fds.dir(dirfd).desc;
      dir.createDirectoryAt(str(pathPtr, pathLen));
      return E.SUCCESS;
    },

    path_filestat_get(dirfd: number, lookupFlags: number, pathPtr: number, pathLen: number, resultPtr: number) {
      const f = lookup(lookupFlags);
      const dir = fds.dir(dirfd).desc;
      const p = str(pathPtr, pathLen);
      const st = dir.statAt(f, p);
      writeFilestat(ctx.mem, resultPtr, st, dir.metadataHashAt(f, p).lower);
      return E.SUCCESS;
    },

    path_filestat_set_times(dirfd: number, lookupFlags: number, pathPtr: number, pathLen: number, atim: bigint, mtim: bigint, fstflags: number) {
      const f = lookup(lookupFlags);
      const [a, m] = timestamps(atim, mtim, flags(fstflags, FSTFLAGS.all));
      const dir = fds.dir(dirfd).desc;
      dir.setTimesAt(f, str(pathPtr, pathLen), a, m);
      return E.SUCCESS;
    },

    path_link(oldFd: number, oldFlags: number, oldPtr: number, oldLen: number, newFd: number, newPtr: number, newLen: number) {
      const f = lookup(oldFlags);
      const from = fds.dir(oldFd).desc;
      const to = fds.dir(newFd).desc;
      from.linkAt(f, str(oldPtr, oldLen), to, str(newPtr, newLen));
      return E.SUCCESS;
    },

    path_readlink(dirfd: number, pathPtr: number, pathLen: number, buf: number, bufLen: number, resultPtr: number) {
      const dir = fds.dir(dirfd).desc;
      const target = new TextEncoder().encode(dir.readlinkAt(str(pathPtr, pathLen)));
      const data = target.subarray(0, Math.min(target.length, bufLen >>> 0));
      ctx.mem.write(buf, data);
      ctx.mem.setU32(resultPtr, data.length);
      return E.SUCCESS;
    },

    path_remove_directory(dirfd: number, pathPtr: number, pathLen: number) {
      const dir = fds.dir(dirfd).desc;
      dir.removeDirectoryAt(str(pathPtr, pathLen));
      return E.SUCCESS;
    },

    path_rename(oldFd: number, oldPtr: number, oldLen: number, newFd: number, newPtr: number, newLen: number) {
      const from = fds.dir(oldFd).desc;
      const to = fds.dir(newFd).desc;
      from.renameAt(str(oldPtr, oldLen), to, str(newPtr, newLen));
      return E.SUCCESS;
    },

    path_symlink(oldPtr: number, oldLen: number, dirfd: number, newPtr: number, newLen: number) {
      const dir = fds.dir(dirfd).desc;
      dir.symlinkAt(str(oldPtr, oldLen), str(newPtr, newLen));
      return E.SUCCESS;
    },

    path_unlink_file(dirfd: number, pathPtr: number, pathLen: number) {
      const dir = fds.dir(dirfd).desc;
      dir.unlinkFileAt(str(pathPtr, pathLen));
      return E.SUCCESS;
    },
  };
}
