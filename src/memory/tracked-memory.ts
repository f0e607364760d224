// One linear memory of an instance, seen through the rewriter's additions:
// `vpages` (the page count the guest sees), `limit` (how far it may grow) and
// `dirty` (byte address of the dirty map, one byte per 4 KiB chunk, kept in
// the real memory's top pages). Restore copies back only the chunks marked
// dirty, and zeroes dirty chunks above the snapshot's size so that the next
// memory.grow hands the guest zeroed pages, as a fresh memory would.
import { RestoreError } from '../errors.js';
import { CHUNK, CHUNK_SHIFT, CHUNKS_PER_PAGE, MAP_BYTES, MAP_PAGES, PAGE, type MemoryInfo } from '../rewrite/info.js';

export class TrackedMemory {
  readonly vpages: WebAssembly.Global;
  readonly limit: WebAssembly.Global;
  readonly dirty: WebAssembly.Global;
  readonly tracked: boolean;
  memory: WebAssembly.Memory | null = null;
  private image = new Uint8Array(0);
  private imagePages = 0;

  constructor(info: MemoryInfo, limitPages: number) {
    this.tracked = info.tracked;
    this.vpages = new WebAssembly.Global({ value: 'i32', mutable: true }, info.initialPages);
    this.limit = new WebAssembly.Global({ value: 'i32', mutable: true }, Math.min(info.maxPages, limitPages));
    // The rewriter gave the defining module extra initial pages for the map.
    this.dirty = new WebAssembly.Global({ value: 'i32', mutable: true }, info.tracked ? info.initialPages * PAGE : 0);
  }

  get imports(): Record<string, WebAssembly.Global> {
    return { vpages: this.vpages, limit: this.limit, dirty: this.dirty };
  }

  private bytes(): Uint8Array {
    return new Uint8Array(this.memory!.buffer);
  }

  private map = new Uint8Array(0);

  /**
   * The dirty map. The view is cached: the map only moves when the real
   * memory grows, and growing detaches the old buffer, which empties every
   * view on it (byteLength 0): then the view is made again.
   */
  private dirtyMap(): Uint8Array {
    if (this.map.byteLength === 0) this.map = new Uint8Array(this.memory!.buffer, this.dirty.value as number, MAP_BYTES);
    return this.map;
  }

  /** Chunks below the map: everything the guest can have touched. */
  private guestChunks(): number {
    return ((this.dirty.value as number) / PAGE) * CHUNKS_PER_PAGE;
  }

  snapshot(): void {
    this.imagePages = this.vpages.value as number;
    this.image = this.bytes().slice(0, this.imagePages * PAGE);
    if (this.tracked) this.dirtyMap().fill(0);
  }

  /** Marks chunks written by the host (glue writes into guest memory). */
  markRange(ptr: number, len: number): void {
    if (!this.tracked || len <= 0) return;
    const last = Math.min(Math.floor((ptr + len - 1) / CHUNK), MAP_BYTES - 1);
    this.dirtyMap().fill(1, ptr >>> CHUNK_SHIFT, last + 1);
  }

  /** Marks the chunk a pointer argument points into (results are written there). */
  markPointer(ptr: number): void {
    if (!this.tracked) return;
    const map = this.dirtyMap();
    if (ptr >= 0 && ptr < map.byteOffset) map[ptr >>> CHUNK_SHIFT] = 1;
  }

  /** Rewinds to the snapshot; returns the number of 4 KiB chunks copied back or zeroed. */
  restore(): number {
    const restored = this.tracked ? this.restoreDirty() : this.restoreByComparison();
    this.vpages.value = this.imagePages;
    return restored;
  }

  private restoreDirty(): number {
    const mem = this.bytes();
    const map = this.dirtyMap();
    const limit = this.guestChunks();
    // A store that starts in chunk c may spill into c + 1 (at most 16 bytes).
    const scan = Math.min((this.vpages.value as number) * CHUNKS_PER_PAGE + 1, limit);
    const words = new Float64Array(map.buffer, map.byteOffset, Math.ceil(scan / 8));
    let count = 0;
    let runStart = -1; // first chunk of the current run of chunks to rewind
    let pending = false;
    for (let w = 0; w < words.length; w++) {
      if (words[w] === 0 && !pending) continue; // eight clean chunks (any set byte makes a non-zero double)
      for (let c = w * 8; c < w * 8 + 8 && c < scan; c++) {
        const hit = map[c] !== 0;
        if (hit || pending) {
          if (runStart < 0) runStart = c;
          count++;
        } else if (runStart >= 0) {
          this.rewindChunks(mem, runStart, c);
          runStart = -1;
        }
        pending = hit;
      }
      if (runStart >= 0 && words[w + 1] === 0 && !pending) {
        this.rewindChunks(mem, runStart, Math.min((w + 1) * 8, scan));
        runStart = -1;
      }
    }
    let end = scan;
    if (pending && scan < limit) {
      if (runStart < 0) runStart = scan;
      end = scan + 1;
      count++;
    }
    if (runStart >= 0) this.rewindChunks(mem, runStart, end);
    map.fill(0, 0, limit);
    return count;
  }

  /** Copies chunks [from, to) back from the image; zeroes the part above it. */
  private rewindChunks(mem: Uint8Array, from: number, to: number): void {
    const start = from * CHUNK;
    const end = to * CHUNK;
    const split = Math.min(Math.max(start, this.image.length), end);
    if (split > start) mem.set(this.image.subarray(start, split), start);
    if (end > split) mem.fill(0, split, end);
  }

  private restoreByComparison(): number {
    const mem = this.bytes();
    let count = 0;
    for (let at = 0; at < this.image.length; at += CHUNK) {
      const chunk = this.image.subarray(at, at + CHUNK);
      if (Buffer.compare(chunk, mem.subarray(at, at + CHUNK)) !== 0) {
        mem.set(chunk, at);
        count++;
      }
    }
    return count;
  }

  /** Full check that the memory equals the snapshot (tests and `verifyRestore`). */
  verify(): void {
    const mem = this.bytes();
    for (let at = 0; at < this.image.length; at += PAGE) {
      if (Buffer.compare(this.image.subarray(at, at + PAGE), mem.subarray(at, at + PAGE)) !== 0) {
        throw new RestoreError(`memory page ${at / PAGE} differs from the snapshot after restore (an untracked write)`);
      }
    }
    const end = this.tracked ? (this.dirty.value as number) : mem.length;
    for (let at = this.image.length; at < end; at += PAGE) {
      if (mem.subarray(at, at + PAGE).some((b) => b !== 0)) {
        throw new RestoreError(`memory page ${at / PAGE} above the snapshot size is not zero after restore`);
      }
    }
    // Marks for chunks beyond the memory (a store that then trapped) are never read.
    if (this.tracked && this.dirtyMap().subarray(0, this.guestChunks()).some((b) => b !== 0)) {
      throw new RestoreError('dirty map not cleared after restore');
    }
  }

  /** Replaces the memory's contents with an image from a snapshot file. */
  loadImage(pages: number, image: Uint8Array): void {
    const memory = this.memory!;
    const needed = pages + (this.tracked ? MAP_PAGES : 0);
    const have = memory.buffer.byteLength / PAGE;
    if (needed > have) memory.grow(needed - have);
    const bytes = this.bytes();
    if (image.length > bytes.length) throw new RestoreError('snapshot image is larger than the memory can be');
    bytes.set(image, 0);
    bytes.fill(0, image.length); // guest pages above the image, and the dirty map
    if (this.tracked) this.dirty.value = bytes.length - MAP_BYTES;
    this.map = new Uint8Array(0); // the map may have moved without a grow
    this.vpages.value = pages;
  }

  /** The guest-visible bytes of the snapshot (for snapshot files). */
  get snapshotImage(): Uint8Array {
    return this.image;
  }
}
