// Descriptor metadata and lifetime: fd_fdstat_*, fd_filestat_*, fd_prestat_*,
// fd_advise, fd_allocate, fd_datasync, fd_sync, fd_close, fd_renumber.
// Rights do not exist in WASI 0.2: they are not enforced, fd_fdstat_set_rights
// is ENOTSUP (a guest then knows rights are unsupported), and directories
// report the fixed set libcs expect, as Wasmtime does.
import { ADVICE, FDFLAGS, FILETYPE, FSTFLAGS, RIGHTS, enumValue, flags, rights } from './abi.js';
import type { Context } from './context.js';
import { filetype, timestamps, writeFilestat, writeStdioFilestat } from './convert.js';
import { E } from './errno.js';

const encoder = new TextEncoder();

/** What directories report: the set many libcs expect. */
const PREOPEN_BASE = RIGHTS.pathCreateDirectory | RIGHTS.pathCreateFile | RIGHTS.pathLinkSource |
  RIGHTS.pathLinkTarget | RIGHTS.pathOpen | RIGHTS.fdReaddir | RIGHTS.pathReadlink | RIGHTS.pathRenameSource |
  RIGHTS.pathRenameTarget | RIGHTS.pathSymlink | RIGHTS.pathRemoveDirectory | RIGHTS.pathUnlinkFile |
  RIGHTS.pathFilestatGet | RIGHTS.pathFilestatSetTimes | RIGHTS.fdFilestatGet | RIGHTS.fdFilestatSetTimes;
const PREOPEN_INHERITING = PREOPEN_BASE | RIGHTS.fdDatasync | RIGHTS.fdRead | RIGHTS.fdSeek |
  RIGHTS.fdFdstatSetFlags | RIGHTS.fdSync | RIGHTS.fdTell | RIGHTS.fdWrite | RIGHTS.fdAdvise |
  RIGHTS.fdAllocate | RIGHTS.fdFilestatGet | RIGHTS.fdFilestatSetSize | RIGHTS.fdFilestatSetTimes |
  RIGHTS.pollFdReadwrite;

export function fdMeta(ctx: Context) {
  const { fds } = ctx;

  function writeFdstat(ptr: number, type: number, fsFlags: number, base: bigint, inheriting: bigint): void {
    ptr = ctx.mem.check(ptr, 24, 8);
    const v = ctx.mem.dataView();
    v.setUint8(ptr, type);
    v.setUint16(ptr + 2, fsFlags, true);
    v.setBigUint64(ptr + 8, base, true);
    v.setBigUint64(ptr + 16, inheriting, true);
    ctx.mem.touched(ptr, 24);
  }

  return {
    fd_fdstat_get(fd: number, resultPtr: number) {
      const e = fds.get(fd);
      // Stdio is never a terminal here: filetype unknown, as Wasmtime reports a non-tty.
      if (e.kind === 'stdin') return writeFdstat(resultPtr, FILETYPE.unknown, 0, RIGHTS.fdRead, RIGHTS.fdRead), E.SUCCESS;
      if (e.kind === 'stdout' || e.kind === 'stderr') return writeFdstat(resultPtr, FILETYPE.unknown, 0, RIGHTS.fdWrite, RIGHTS.fdWrite), E.SUCCESS;
      if (e.kind === 'dir') return writeFdstat(resultPtr, FILETYPE.directory, 0, PREOPEN_BASE, PREOPEN_INHERITING), E.SUCCESS;
      const f = e.desc.getFlags();
      const type = filetype(e.desc.getType());
      let base = RIGHTS.all;
      if (!f.read) base &= ~(RIGHTS.fdRead | RIGHTS.fdReaddir);
      if (!f.write) base &= ~RIGHTS.fdWrite;
      let fsFlags = 0;
      if (f.dataIntegritySync) fsFlags |= FDFLAGS.dsync;
      if (f.requestedWriteSync) fsFlags |= FDFLAGS.rsync;
      if (f.fileIntegritySync) fsFlags |= FDFLAGS.sync;
      if (e.kind === 'file' && e.append) fsFlags |= FDFLAGS.append;
      if (e.kind === 'file' && e.nonblock) fsFlags |= FDFLAGS.nonblock;
      writeFdstat(resultPtr, type, fsFlags, base, base);
      return E.SUCCESS;
    },

    fd_fdstat_set_flags(fd: number, fdflags: number) {
      const value = flags(fdflags, FDFLAGS.all);
      const e = fds.file(fd);
      if (value & (FDFLAGS.dsync | FDFLAGS.sync | FDFLAGS.rsync)) throw E.INVAL;
      e.append = (value & FDFLAGS.append) !== 0;
      e.nonblock = (value & FDFLAGS.nonblock) !== 0;
      return E.SUCCESS;
    },

    fd_fdstat_set_rights(fd: number, base: bigint, inheriting: bigint) {
      rights(base);
      rights(inheriting);
      fds.get(fd);
      return E.NOTSUP;
    },

    fd_filestat_get(fd: number, resultPtr: number) {
      const e = fds.get(fd);
      if (e.kind === 'stdin' || e.kind === 'stdout' || e.kind === 'stderr') {
        writeStdioFilestat(ctx.mem, resultPtr, FILETYPE.unknown);
        return E.SUCCESS;
      }
      const st = e.desc.stat();
      writeFilestat(ctx.mem, resultPtr, st, e.desc.metadataHash().lower);
      return E.SUCCESS;
    },

    fd_filestat_set_size(fd: number, size: bigint) {
      fds.file(fd).desc.setSize(BigInt.asUintN(64, size));
      return E.SUCCESS;
    },

    fd_filestat_set_times(fd: number, atim: bigint, mtim: bigint, fstflags: number) {
      const [a, m] = timestamps(atim, mtim, flags(fstflags, FSTFLAGS.all));
      fds.fsDescriptor(fd).setTimes(a, m);
      return E.SUCCESS;
    },

    fd_prestat_get(fd: number, resultPtr: number) {
      const e = fds.get(fd);
      if (e.kind !== 'dir' || e.preopen === null) throw E.BADF;
      const len = encoder.encode(e.preopen).length;
      const ptr = ctx.mem.check(resultPtr, 8, 4);
      ctx.mem.setU8(ptr, 0); // tag: dir
      ctx.mem.setU32(ptr + 4, len);
      return E.SUCCESS;
    },

    fd_prestat_dir_name(fd: number, pathPtr: number, maxLen: number) {
      const e = fds.get(fd);
      if (e.kind !== 'dir' || e.preopen === null) throw E.NOTDIR;
      const name = encoder.encode(e.preopen);
      if (name.length > maxLen >>> 0) throw E.NAMETOOLONG;
      ctx.mem.write(pathPtr, name);
      return E.SUCCESS;
    },

    fd_advise(fd: number, offset: bigint, len: bigint, advice: number) {
      const name = ADVICE[enumValue(advice, ADVICE.length)]!;
      fds.file(fd).desc.advise(BigInt.asUintN(64, offset), BigInt.asUintN(64, len), name);
      return E.SUCCESS;
    },

    fd_allocate(fd: number, _offset: bigint, _len: bigint) {
      fds.file(fd);
      return E.NOTSUP;
    },

    fd_datasync(fd: number) {
      fds.file(fd).desc.syncData();
      return E.SUCCESS;
    },

    fd_sync(fd: number) {
      fds.file(fd).desc.sync();
      return E.SUCCESS;
    },

    fd_close(fd: number) {
      fds.close(fd);
      return E.SUCCESS;
    },

    fd_renumber(from: number, to: number) {
      fds.renumber(from, to);
      return E.SUCCESS;
    },
  };
}
