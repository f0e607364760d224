// One linear memory of an instance, seen through the rewriter's additions:
// `vpages` (the page count the guest sees), `limit` (how far it may grow) and
// `dirty` (byte address of the dirty map, one byte per 64 KiB page, kept in
// the real memory's top page). Restore copies back only the pages marked
// dirty, and zeroes dirty pages above the snapshot's size so that the next
// memory.grow hands the guest zeroed pages, as a fresh memory would.
import { RestoreError } from '../errors.js';
import { PAGE, type MemoryInfo } from '../rewrite/info.js';

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
    // The rewriter gave the defining module one extra initial page for the map.
    this.dirty = new WebAssembly.Global({ value: 'i32', mutable: true }, info.tracked ? info.initialPages * PAGE : 0);
  }

  get imports(): Record<string, WebAssembly.Global> {
    return { vpages: this.vpages, limit: this.limit, dirty: this.dirty };
  }

  /** Size the guest sees, in bytes. */
  get byteLength(): number {
    return (this.vpages.value as number) * PAGE;
  }

  private bytes(): Uint8Array {
    return new Uint8Array(this.memory!.buffer);
  }

  snapshot(): void {
    this.imagePages = this.vpages.value as number;
    this.image = this.bytes().slice(0, this.imagePages * PAGE);
    if (this.tracked) this.dirtyMap().fill(0);
  }

  /** Marks pages written by the host (glue writes into guest memory). */
  markRange(ptr: number, len: number): void {
    if (!this.tracked || len <= 0) return;
    const first = ptr >>> 16;
    const last = Math.min((ptr + len - 1) / PAGE | 0, 65535);
    this.dirtyMap().fill(1, first, last + 1);
  }

  /** Marks the page a pointer argument points into (results are written there). */
  markPointer(ptr: number): void {
    if (!this.tracked || !Number.isInteger(ptr) || ptr < 0 || ptr >= this.memory!.buffer.byteLength) return;
    new Uint8Array(this.memory!.buffer, this.dirty.value as number, PAGE)[ptr >>> 16] = 1;
  }

  private dirtyMap(): Uint8Array {
    return new Uint8Array(this.memory!.buffer, this.dirty.value as number, PAGE);
  }

  /** Rewinds to the snapshot; returns the number of pages copied or zeroed. */
  restore(): number {
    const restored = this.tracked ? this.restoreDirty() : this.restoreByComparison();
    this.vpages.value = this.imagePages;
    return restored;
  }

  private restoreDirty(): number {
    const mem = this.bytes();
    const map = this.dirtyMap();
    const runPages = this.vpages.value as number;
    const topGuestPage = (this.dirty.value as number) / PAGE; // pages below the map page
    // A store that starts in page p may spill into p + 1 (at most 16 bytes).
    const scan = Math.min(runPages + 1, topGuestPage);
    const words = new Uint32Array(map.buffer, map.byteOffset, Math.ceil(scan / 4));
    let count = 0;
    let pending = false;
    for (let w = 0; w < words.length; w++) {
      if (words[w] === 0 && !pending) continue;
      for (let p = w * 4; p < w * 4 + 4 && p < scan; p++) {
        const hit = map[p] !== 0;
        if (hit || pending) {
          this.rewindPage(mem, p);
          count++;
        }
        pending = hit;
      }
    }
    if (pending && scan < topGuestPage) { this.rewindPage(mem, scan); count++; }
    map.fill(0, 0, Math.min(topGuestPage + 1, PAGE));
    return count;
  }

  private rewindPage(mem: Uint8Array, p: number): void {
    const at = p * PAGE;
    if (p < this.imagePages) mem.set(this.image.subarray(at, at + PAGE), at);
    else mem.fill(0, at, at + PAGE);
  }

  private restoreByComparison(): number {
    const mem = this.bytes();
    let count = 0;
    for (let at = 0; at < this.image.length; at += PAGE) {
      const page = this.image.subarray(at, at + PAGE);
      if (Buffer.compare(page, mem.subarray(at, at + PAGE)) !== 0) {
        mem.set(page, at);
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
    // Marks for pages beyond the memory (from a store that then trapped) are never read.
    const pages = (this.dirty.value as number) / PAGE;
    if (this.tracked && this.dirtyMap().subarray(0, pages + 1).some((b) => b !== 0)) throw new RestoreError('dirty map not cleared after restore');
  }

  /** Copy of the guest-visible bytes of the snapshot (for snapshot files). */
  get snapshotImage(): Uint8Array {
    return this.image;
  }
}
