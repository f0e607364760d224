// The snapshot image of one linear memory: its page count and the 4 KiB
// chunks that are not all zero (an all-zero chunk is not stored; restore
// zeroes it). An image is never written after it is built, so one image
// backs every instance whose snapshot has the same bytes (image-store.ts),
// in any thread: its arrays live in SharedArrayBuffers.
import { createHash } from 'node:crypto';
import { CHUNK, CHUNK_SHIFT, PAGE } from '../rewrite/info.js';

const ZERO = new Uint8Array(CHUNK);
/** Chunks compared at once by rewindDiffering before it looks at single chunks. */
const BLOCK = 16;
const ZERO_BLOCK = new Uint8Array(BLOCK * CHUNK);

/** What crosses a thread boundary (structured clone shares the buffers). */
export interface ImageParts {
  hash: string;
  pages: number;
  /** Per chunk: 0 for an all-zero chunk, else its slot in `data` plus one. */
  slots: Uint32Array;
  /** The stored chunks, in address order. */
  data: Uint8Array;
}

/**
 * Copies source[from, to) into target at `at`. The image's arrays live in
 * SharedArrayBuffers, and TypedArray set() from one copies with relaxed
 * atomics, about 3x slower than Buffer's copy (a memcpy) for a 4 KiB chunk.
 * On Node 22 and 24, Buffer's copy of a whole view of a SharedArrayBuffer
 * is as slow as set() (330-650 ns for 4 KiB against 120-190 ns for a part
 * of one; Node 26 copies both alike), so such a copy leaves its last byte to
 * a plain assignment.
 * Callers keep the range inside target (Buffer's copy would truncate).
 */
function copyBytes(target: Uint8Array, at: number, source: Uint8Array, from: number, to: number): void {
  if (from === 0 && to === source.length && to > 1) {
    to--;
    target[at + to] = source[to]!;
  }
  Buffer.prototype.copy.call(source, target, at, from, to);
}

/** True when the chunk at byte `at` is all zero. */
export const isZero = (bytes: Uint8Array, at: number) => Buffer.compare(bytes.subarray(at, at + CHUNK), ZERO) === 0;

/** Content hash of the first `pages` pages of `bytes` (what the store keys images by). */
export function hashMemory(bytes: Uint8Array, pages: number): { hash: string; stored: number } {
  const h = createHash('sha256');
  const head = new Uint32Array([pages]);
  h.update(head);
  const chunks = pages * (PAGE / CHUNK);
  const index = new Uint32Array(1);
  let stored = 0;
  for (let c = 0; c < chunks; c++) {
    if (isZero(bytes, c * CHUNK)) continue;
    index[0] = c;
    h.update(index);
    h.update(bytes.subarray(c * CHUNK, (c + 1) * CHUNK));
    stored++;
  }
  return { hash: h.digest('hex'), stored };
}

export class MemoryImage {
  /** Bytes the image covers (pages * 64 KiB). */
  readonly length: number;

  private constructor(readonly hash: string, readonly pages: number, readonly slots: Uint32Array, readonly data: Uint8Array) {
    this.length = pages * PAGE;
  }

  /** Copies the non-zero chunks of the first `pages` pages of `bytes` (hash from hashMemory). */
  static build(bytes: Uint8Array, pages: number, hash: string, stored: number): MemoryImage {
    const chunks = pages * (PAGE / CHUNK);
    const slots = new Uint32Array(new SharedArrayBuffer(chunks * 4));
    const data = new Uint8Array(new SharedArrayBuffer(stored * CHUNK));
    let slot = 0;
    for (let c = 0; c < chunks; c++) {
      if (isZero(bytes, c * CHUNK)) continue;
      data.set(bytes.subarray(c * CHUNK, (c + 1) * CHUNK), slot * CHUNK);
      slots[c] = ++slot;
    }
    return new MemoryImage(hash, pages, slots, data);
  }

  /** An image received from another thread (already validated where it was built). */
  static fromParts(p: ImageParts): MemoryImage {
    return new MemoryImage(p.hash, p.pages, p.slots, p.data);
  }

  get parts(): ImageParts {
    return { hash: this.hash, pages: this.pages, slots: this.slots, data: this.data };
  }

  /** Chunks stored (not all zero). */
  get storedChunks(): number {
    return this.data.length / CHUNK;
  }

  /**
   * Writes chunks [from, to) of the image into `mem` (zero chunks as zeros);
   * chunks at or above the image's end are zeroed. Consecutive stored chunks
   * are consecutive in `data`, so each run is one copy or one fill.
   */
  copyChunks(mem: Uint8Array, from: number, to: number): void {
    const { slots, data } = this;
    const limit = Math.min(to, Math.ceil(mem.length / CHUNK));
    const inImage = Math.min(limit, slots.length);
    let c = from;
    while (c < inImage) {
      const s = slots[c]!;
      let e = c + 1;
      if (s === 0) {
        while (e < inImage && slots[e] === 0) e++;
        mem.fill(0, c * CHUNK, e * CHUNK);
      } else {
        while (e < inImage && slots[e] === s + (e - c)) e++;
        copyBytes(mem, c * CHUNK, data, (s - 1) * CHUNK, (s - 1 + e - c) * CHUNK);
      }
      c = e;
    }
    if (limit > c) mem.fill(0, c * CHUNK, Math.min(limit * CHUNK, mem.length));
  }

  /**
   * Writes the image into `mem`, a memory that is zero except in the byte
   * ranges `written` (a fresh instance's: its data segments): every stored
   * chunk is copied and the chunks of those ranges the image has zero are
   * zeroed. Nothing else is read or written, so pages the image does not
   * need stay unbacked. Returns the number of chunks written.
   */
  loadFresh(mem: Uint8Array, written: readonly (readonly [number, number])[]): number {
    const { slots } = this;
    let count = 0;
    for (let c = 0; c < slots.length;) {
      const s = slots[c]!;
      let e = c + 1;
      if (s !== 0) {
        while (e < slots.length && slots[e] === s + (e - c)) e++;
        this.copyChunks(mem, c, e);
        count += e - c;
      }
      c = e;
    }
    const zeroed = new Set<number>();
    for (const [from, to] of written) {
      for (let c = from >>> CHUNK_SHIFT; c < Math.min(slots.length, Math.ceil(to / CHUNK)); c++) if (slots[c] === 0) zeroed.add(c);
    }
    for (const c of zeroed) mem.fill(0, c * CHUNK, (c + 1) * CHUNK);
    return count + zeroed.size;
  }

  /**
   * Writes the first `bytes` bytes (a few: a store's spill) of chunk `c` of
   * the image into `mem` (zeros above the image), byte by byte: cheaper than
   * a native copy or fill call for so few. A chunk that starts in `mem` ends
   * in it (memories are whole pages).
   */
  copyPrefix(mem: Uint8Array, c: number, bytes: number): void {
    const at = c * CHUNK;
    if (at >= mem.length) return;
    const s = c < this.slots.length ? this.slots[c]! : 0;
    if (s === 0) for (let i = 0; i < bytes; i++) mem[at + i] = 0;
    else {
      const { data } = this;
      const from = (s - 1) * CHUNK;
      for (let i = 0; i < bytes; i++) mem[at + i] = data[from + i]!;
    }
  }

  /**
   * Rewinds the chunks below `end` where `mem` differs from the image (zeros
   * above the image's end); returns how many. Compares stretches of up to
   * BLOCK chunks that are one run of `data` (or all zero) first: most are
   * equal, and one native compare is cheaper than BLOCK of them.
   */
  rewindDiffering(mem: Uint8Array, end: number): number {
    const { slots, data } = this;
    const slot = (c: number) => (c < slots.length ? slots[c]! : 0);
    let count = 0;
    for (let c = 0; c < end;) {
      const s = slot(c);
      let e = c + 1;
      while (e < end && e - c < BLOCK && (s === 0 ? slot(e) === 0 : slot(e) === s + (e - c))) e++;
      const want = s === 0 ? ZERO_BLOCK.subarray(0, (e - c) * CHUNK) : data.subarray((s - 1) * CHUNK, (s - 1 + e - c) * CHUNK);
      if (Buffer.compare(mem.subarray(c * CHUNK, e * CHUNK), want) !== 0) {
        for (let k = c; k < e; k++) {
          const chunk = want.subarray((k - c) * CHUNK, (k - c + 1) * CHUNK);
          if (Buffer.compare(mem.subarray(k * CHUNK, (k + 1) * CHUNK), chunk) === 0) continue;
          copyBytes(mem, k * CHUNK, chunk, 0, CHUNK);
          count++;
        }
      }
      c = e;
    }
    return count;
  }

  /** Index of the first 64 KiB page where `mem` differs from the image, or -1. */
  firstDifferentPage(mem: Uint8Array): number {
    const { slots, data } = this;
    for (let c = 0; c < slots.length; c++) {
      const s = slots[c]!;
      const at = c * CHUNK;
      const same = s === 0 ? isZero(mem, at) : Buffer.compare(mem.subarray(at, at + CHUNK), data.subarray((s - 1) * CHUNK, s * CHUNK)) === 0;
      if (!same) return Math.floor(at / PAGE);
    }
    return -1;
  }

  /** Runs of stored chunks as [first chunk, count] (snapshot files). */
  runs(): [number, number][] {
    const out: [number, number][] = [];
    const { slots } = this;
    for (let c = 0; c < slots.length; c++) {
      if (slots[c] === 0) continue;
      const last = out[out.length - 1];
      if (last && last[0] + last[1] === c) last[1]++;
      else out.push([c, 1]);
    }
    return out;
  }

  /** The whole image, zeros included. */
  dense(): Uint8Array {
    const out = new Uint8Array(this.length);
    this.copyChunks(out, 0, this.slots.length);
    return out;
  }
}
