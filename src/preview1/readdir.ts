// fd_readdir: ".", "..", then the directory's entries; the cookie is the
// index of the next entry (d_next), as Wasmtime numbers them. Entries are
// serialised one after the other (24-byte dirent header, then the name, no
// terminator) and cut at the guest's buffer size: a guest sees a full
// buffer and asks again with a larger one.
import { FILETYPE, SIZE } from './abi.js';
import type { Context } from './context.js';
import { filetype } from './convert.js';
import { E } from './errno.js';

const encoder = new TextEncoder();

export function readdir(ctx: Context) {
  return {
    fd_readdir(fd: number, buf: number, bufLen: number, cookie: bigint, resultPtr: number) {
      const desc = ctx.fds.dir(fd).desc;
      const stream = desc.readDirectory();
      const dirIno = desc.metadataHash().lower;
      const cap = bufLen >>> 0;
      const base = ctx.mem.check(buf, cap); // bounds first: nothing below allocates more than one entry
      const start = BigInt.asUintN(64, cookie);
      let used = 0;
      let index = 0n;
      const add = (ino: bigint, type: number, name: Uint8Array): boolean => {
        index++;
        if (index <= start) return true;
        const head = new Uint8Array(SIZE.dirent);
        const hv = new DataView(head.buffer);
        hv.setBigUint64(0, index, true); // d_next
        hv.setBigUint64(8, BigInt.asUintN(64, ino), true);
        hv.setUint32(16, name.length, true);
        hv.setUint8(20, type);
        for (const part of [head, name]) {
          const n = Math.min(part.length, cap - used);
          ctx.mem.write(base + used, part.subarray(0, n));
          used += n;
          if (used === cap) return false;
        }
        return true;
      };
      let more = add(dirIno, FILETYPE.directory, encoder.encode('.')) && add(dirIno, FILETYPE.directory, encoder.encode('..'));
      while (more) {
        const entry = stream.readDirectoryEntry();
        if (!entry) break;
        if (index + 1n <= start) {
          index++;
          continue;
        }
        const ino = desc.metadataHashAt({}, entry.name).lower;
        more = add(ino, filetype(entry.type), encoder.encode(entry.name));
      }
      ctx.mem.setU32(resultPtr, used);
      return E.SUCCESS;
    },
  };
}
