// fd_read, fd_write, fd_pread, fd_pwrite, fd_seek, fd_tell: data through a
// descriptor. Files keep their own position (preview1 has one per
// descriptor, WASI 0.2 none); stdio goes to the run's streams. One buffer
// per call (the first non-empty one), as Wasmtime: the guest's libc loops;
// a small stdio write moves all its buffers (context.ts, stdioChunk).
import { enumValue } from './abi.js';
import { firstBuffer, PIPE_BUF, stdioChunk, type Context } from './context.js';
import { E } from './errno.js';
import type { FileEntry } from './fd-table.js';

const EMPTY = new Uint8Array(0);

/**
 * Bytes one read returns at most (stdin and files): the host buffer for a
 * read stays small whatever length the guest asks for; a short read is
 * legal and libcs loop.
 */
const MAX_READ = 1 << 20;

export function fdIo(ctx: Context) {
  const { fds } = ctx;
  /** Where a small stdio write's buffers are joined (stdioChunk). */
  const joined = new Uint8Array(PIPE_BUF);

  /** Writes to a file at its position (or appends), returns bytes written. */
  function writeFile(e: FileEntry, bytes: Uint8Array, at: bigint | null): number {
    if (e.append) {
      // Linux pwrite semantics: the offset is ignored in append mode.
      e.desc.appendViaStream().write(bytes);
      if (at === null) e.position = e.desc.stat().size;
      return bytes.length;
    }
    const n = Number(e.desc.write(bytes, at ?? e.position));
    if (at === null) e.position += BigInt(n);
    return n;
  }

  /** Reads straight into guest memory: only the bytes the file has there are checked and marked, as a copy of them would be. */
  function readFile(e: FileEntry, ptr: number, len: number, at: bigint): number {
    return e.desc.readInto(at, Math.min(len, MAX_READ), (n) => ctx.mem.writable(ptr, n));
  }

  return {
    fd_write(fd: number, iovs: number, count: number, resultPtr: number) {
      const e = fds.get(fd);
      let n: number;
      if (e.kind === 'stdout' || e.kind === 'stderr') {
        const chunk = stdioChunk(ctx.mem, iovs, count, joined);
        // The capture copies what it keeps: a view is enough.
        e.stream.write(chunk);
        n = chunk.length;
      } else if (e.kind === 'file') {
        const [ptr, len] = firstBuffer(ctx.mem, iovs, count);
        n = writeFile(e, ctx.mem.bytes(ptr, len), null);
      } else throw E.BADF;
      ctx.mem.setU32(resultPtr, n);
      return E.SUCCESS;
    },

    fd_pwrite(fd: number, iovs: number, count: number, offset: bigint, resultPtr: number) {
      const e = fds.get(fd);
      if (e.kind === 'stdout' || e.kind === 'stderr') throw E.SPIPE;
      if (e.kind !== 'file') throw E.BADF;
      const [ptr, len] = firstBuffer(ctx.mem, iovs, count);
      const n = writeFile(e, ctx.mem.bytes(ptr, len), BigInt.asUintN(64, offset));
      ctx.mem.setU32(resultPtr, n);
      return E.SUCCESS;
    },

    fd_read(fd: number, iovs: number, count: number, resultPtr: number) {
      const e = fds.get(fd);
      let n: number;
      if (e.kind === 'file') {
        const [ptr, len] = firstBuffer(ctx.mem, iovs, count);
        n = readFile(e, ptr, len, e.position);
        e.position += BigInt(n);
      } else if (e.kind === 'stdin') {
        const [ptr, len] = firstBuffer(ctx.mem, iovs, count);
        let data: Uint8Array;
        try {
          data = e.stream.read(BigInt(Math.min(len, MAX_READ)));
        } catch (x) {
          if ((x as { tag?: string })?.tag !== 'closed') throw x;
          data = EMPTY; // end of input
        }
        if (data === EMPTY) n = 0;
        else if (data.length === 0) throw E.INTR; // nothing now (Wasmtime: a blocking read that returned nothing)
        else {
          ctx.mem.write(ptr, data);
          n = data.length;
        }
      } else throw E.BADF;
      ctx.mem.setU32(resultPtr, n);
      return E.SUCCESS;
    },

    fd_pread(fd: number, iovs: number, count: number, offset: bigint, resultPtr: number) {
      const e = fds.get(fd);
      if (e.kind === 'stdin') throw E.SPIPE;
      if (e.kind !== 'file') throw E.BADF;
      const [ptr, len] = firstBuffer(ctx.mem, iovs, count);
      const n = readFile(e, ptr, len, BigInt.asUintN(64, offset));
      ctx.mem.setU32(resultPtr, n);
      return E.SUCCESS;
    },

    fd_seek(fd: number, offset: bigint, whence: number, resultPtr: number) {
      const how = enumValue(whence, 3);
      const e = fds.seekable(fd);
      let pos: bigint;
      if (how === 0) pos = offset;
      else if (how === 1) pos = e.position + offset;
      else pos = e.desc.stat().size + offset;
      if (pos < 0n || pos >= 1n << 64n) throw E.INVAL;
      e.position = pos;
      ctx.mem.setU64(resultPtr, pos);
      return E.SUCCESS;
    },

    fd_tell(fd: number, resultPtr: number) {
      ctx.mem.setU64(resultPtr, fds.seekable(fd).position);
      return E.SUCCESS;
    },
  };
}
