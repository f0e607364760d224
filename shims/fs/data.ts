// File contents in 64 KiB chunks, shared copy-on-write between a file and the
// journal's saved version of it: saving a 20 MB file before a run's first write
// copies 320 chunk references, and the write copies only the chunks it
// touches. A missing chunk reads as zeros, so a write far past the end does
// not allocate the gap (the quota still counts the file's whole size).
const CHUNK = 1 << 16;

export class FileData {
  size = 0;
  private chunks: (Uint8Array | undefined)[] = [];
  /** Chunks this version alone holds (writable in place). */
  private owned = new Set<Uint8Array>();

  /** A version sharing every chunk; the first write to a chunk copies it. */
  clone(): FileData {
    const c = new FileData();
    c.size = this.size;
    c.chunks = [...this.chunks];
    return c;
  }

  read(pos: number, length: number): Uint8Array {
    const out = new Uint8Array(Math.max(0, Math.min(this.size, pos + length) - pos));
    this.readInto(pos, out);
    return out;
  }

  /**
   * Fills `out` with the bytes from `pos` on (`out` must end within the
   * size). A missing chunk is written as zeros: `out` may be any memory,
   * guest memory too (the native preview1 host reads into it directly).
   */
  readInto(pos: number, out: Uint8Array): void {
    const end = pos + out.length;
    for (let at = pos; at < end;) {
      const k = Math.floor(at / CHUNK);
      const off = at - k * CHUNK;
      const n = Math.min(CHUNK - off, end - at);
      const chunk = this.chunks[k];
      if (chunk) out.set(chunk.subarray(off, off + n), at - pos);
      else out.fill(0, at - pos, at - pos + n);
      at += n;
    }
  }

  write(bytes: Uint8Array, pos: number): void {
    for (let done = 0; done < bytes.length;) {
      const at = pos + done;
      const k = Math.floor(at / CHUNK);
      const off = at - k * CHUNK;
      const n = Math.min(CHUNK - off, bytes.length - done);
      this.writable(k).set(bytes.subarray(done, done + n), off);
      done += n;
    }
    this.size = Math.max(this.size, pos + bytes.length);
  }

  /** Sets the size: growth reads as zeros, a cut zeroes the tail of the last chunk. */
  truncate(size: number): void {
    if (size < this.size) {
      const k = Math.floor(size / CHUNK);
      this.chunks.length = Math.min(this.chunks.length, Math.ceil(size / CHUNK));
      if (size % CHUNK && this.chunks[k]) this.writable(k).fill(0, size % CHUNK);
    }
    this.size = size;
  }

  private writable(k: number): Uint8Array {
    const chunk = this.chunks[k];
    if (chunk && this.owned.has(chunk)) return chunk;
    const copy = new Uint8Array(CHUNK);
    if (chunk) copy.set(chunk);
    this.chunks[k] = copy;
    this.owned.add(copy);
    if (chunk) this.owned.delete(chunk);
    return copy;
  }
}
