// One guest linear memory of an instance, seen through the rewriter's
// additions (rewrite/memory-access.ts): the virtual size (`vpages`, and
// `vbytes` for the bounds checks, globals of the defining module), its
// growth limit, and the dirty map, one byte per 4 KiB chunk in a memory of
// its own created here and imported by every module using this memory.
// Restore copies back only the chunks marked dirty, and zeroes dirty chunks
// above the snapshot's size so that the next memory.grow hands the guest
// zeroed pages, as a fresh memory would. With tracking 'scan' the guest marks
// nothing and the restore compares every chunk it could have written with
// the snapshot instead (MemoryImage.rewindDiffering). The snapshot image is
// sparse and shared read-only with every instance whose snapshot is
// identical (image-store.ts): nothing here writes to it.
import { RestoreError } from '../errors.js';
import {
  CHUNK, CHUNK_SHIFT, CHUNKS_PER_PAGE, EXPORT_VBYTES, EXPORT_VPAGES, IMPORT_MEMORY, JUNK_CHUNK, MAP_PAGES, PAGE, type MemoryInfo,
} from '../rewrite/info.js';
import { DirtyScan } from './dirty-scan.js';
import { isZero, MemoryImage } from './image.js';
import { imageOf } from './image-store.js';

const EMPTY = MemoryImage.build(new Uint8Array(0), 0, 'empty', 0);
/** Bytes a store that starts in one chunk can write into the next: at most 15 (a v128 store), with room. */
const SPILL = 16;

export class TrackedMemory {
  readonly limit: WebAssembly.Global;
  /** The dirty map (never grows, so the view below stays valid). */
  readonly mapMemory: WebAssembly.Memory;
  private readonly map: Uint8Array;
  private readonly scan: DirtyScan;
  memory: WebAssembly.Memory | null = null;
  /** A view of `memory`, kept between rewinds: a growth detaches its buffer, which leaves it empty. */
  private view = new Uint8Array(0);
  private vpagesGlobal: WebAssembly.Global | null = null;
  private vbytesGlobal: WebAssembly.Global | null = null;
  private image = EMPTY;
  /** Highest chunk the host marked (host writes are bounded by the real size only). */
  private hostHigh = -1;

  /** The memory itself when a rewritten module defines it (it imports it from us, with the declared limits). */
  private readonly defined: WebAssembly.Memory | null;
  /** Tracking 'scan': guest writes are not marked. */
  readonly scanned: boolean;
  /** Guest loads and stores reach the real size, not only the virtual one (scan only, see options.ts). */
  private readonly realBounds: boolean;

  /** `map`: a cleared dirty map to take over (a renewed instance's, see adopt), else a new one. */
  constructor(info: MemoryInfo, limitPages: number, map?: WebAssembly.Memory) {
    this.mapMemory = map ?? new WebAssembly.Memory({ initial: MAP_PAGES, maximum: MAP_PAGES });
    this.map = new Uint8Array(this.mapMemory.buffer);
    this.scan = new DirtyScan(this.map);
    this.scanned = info.mode.tracking === 'scan';
    this.realBounds = info.mode.bounds === 'real';
    this.limit = new WebAssembly.Global({ value: 'i32', mutable: false }, Math.min(info.maxPages, limitPages));
    this.defined = info.imported ? null : new WebAssembly.Memory({ initial: info.initialPages, maximum: info.maxPages });
  }

  /** Wires the defining module's exports (its memory and size globals). */
  attach(exports: WebAssembly.Exports, memory: WebAssembly.Memory): void {
    this.memory = memory;
    this.view = new Uint8Array(memory.buffer);
    this.vpagesGlobal = exports[EXPORT_VPAGES] as WebAssembly.Global;
    this.vbytesGlobal = exports[EXPORT_VBYTES] as WebAssembly.Global;
  }

  /** The reserved imports of a module that imports this memory. */
  get imports(): Record<string, unknown> {
    return { map: this.mapMemory, limit: this.limit, vpages: this.vpagesGlobal, vbytes: this.vbytesGlobal };
  }

  /** The reserved imports of the module that defines this memory. */
  get definerImports(): Record<string, unknown> {
    return { [IMPORT_MEMORY]: this.defined, map: this.mapMemory, limit: this.limit };
  }

  /** The page count the guest sees (settable as a WebAssembly.Global-like value). */
  get vpages(): { value: number } {
    return this.vpagesGlobal as unknown as { value: number };
  }

  /**
   * Bytes the guest-visible size never goes below: the snapshot's. Only a
   * rewind shrinks the size, to the snapshot's; a snapshot file's load may
   * set any size, and leaves no snapshot until snapshot() takes one.
   */
  get floorBytes(): number {
    return this.image.length;
  }

  private setPages(pages: number): void {
    this.vpagesGlobal!.value = pages;
    this.vbytesGlobal!.value = BigInt(pages) * BigInt(PAGE);
  }

  private bytes(): Uint8Array {
    // A memory of 0 pages gets a new (empty) view every time, which is as right.
    if (this.view.length === 0) this.view = new Uint8Array(this.memory!.buffer);
    return this.view;
  }

  snapshot(): void {
    this.image = imageOf(this.bytes(), this.vpages.value);
    this.clearMarks(this.vpages.value);
  }

  /**
   * Clears every mark a memory of `pages` guest pages can hold: guest writes
   * below its end (one chunk of spill), host writes up to hostHigh, the junk
   * chunk. The rest of the 1 MiB map is never written, so its pages never
   * become resident (a fill of the whole map cost every instance 1 MiB).
   */
  private clearMarks(pages: number): void {
    this.map.fill(0, 0, this.marksEnd(pages));
    this.map[JUNK_CHUNK] = 0;
    this.hostHigh = -1;
  }

  /**
   * Below which chunk the marks are, besides the junk chunk, for a memory of
   * `pages` guest pages: guest writes stay below its end (a store starting in
   * the last chunk may spill into the next one), host writes below hostHigh
   * (and the chunk after it, for the same spill).
   */
  private marksEnd(pages: number): number {
    return Math.min(JUNK_CHUNK, Math.max(pages * CHUNKS_PER_PAGE + 1, this.hostHigh + 2));
  }

  /**
   * Marks chunks written by the host (glue writes into guest memory). i32
   * arguments arrive signed: a pointer or length of 2 GiB or more is negative.
   */
  markRange(ptr: number, len: number): void {
    ptr >>>= 0;
    len >>>= 0;
    if (len === 0) return;
    const first = Math.floor(ptr / CHUNK);
    const last = Math.min(Math.floor((ptr + len - 1) / CHUNK), JUNK_CHUNK - 1);
    if (first > last) return;
    if (first === last) this.map[first] = 1; // most host writes are a result of a few bytes: no fill() call
    else this.map.fill(1, first, last + 1);
    if (last > this.hostHigh) this.hostHigh = last;
  }

  /** Marks the chunk a pointer argument points into (results are written there, up to 16 bytes). */
  markPointer(ptr: number): void {
    ptr >>>= 0; // signed, as in markRange
    if (ptr >= JUNK_CHUNK * CHUNK) return;
    const c = ptr >>> CHUNK_SHIFT;
    this.map[c] = 1;
    if (c > this.hostHigh) this.hostHigh = c;
  }

  /** Rewinds to the snapshot; returns the number of 4 KiB chunks copied back or zeroed. */
  restore(): number {
    const mem = this.bytes();
    // The size the run ended with: between the snapshot's and the real one, so the snapshot's
    // when the real memory is no larger (most runs: reading the global is not cheap).
    const pages = mem.length === this.image.length ? this.image.pages : this.vpages.value;
    const count = this.scanned ? this.rewindScanned(mem, pages) : this.rewindMarked(pages);
    this.hostHigh = -1;
    // Setting both sizes (vbytes is a BigInt) costs more than reading one; a run that did not grow left them.
    if (pages !== this.image.pages) this.setPages(this.image.pages);
    return count;
  }

  /** rewindChunks on the current view, made once (restore() refreshes the view first). */
  private readonly rewindRun = (from: number, to: number): void => this.rewindChunks(this.view, from, to);

  private rewindMarked(pages: number): number {
    const count = this.scan.forEachRun(this.marksEnd(pages), this.rewindRun);
    this.map[JUNK_CHUNK] = 0;
    return count;
  }

  /**
   * Unmarked guest writes stay below the virtual size the run ended with
   * (one that does not fit traps before it writes), or with bounds 'real'
   * below the real size; host writes (still marked) below hostHigh: every
   * chunk there is compared.
   */
  private rewindScanned(mem: Uint8Array, pages: number): number {
    const guest = this.realBounds ? mem.length / CHUNK : pages * CHUNKS_PER_PAGE;
    const end = Math.max(guest, this.hostHigh + 1);
    this.clearHostMarks();
    return this.image.rewindDiffering(mem, end);
  }

  /** With tracking 'scan' only the host marks: its marks are all there is to clear. */
  private clearHostMarks(): void {
    if (this.hostHigh >= 0) this.map.fill(0, 0, this.hostHigh + 1);
    this.hostHigh = -1;
  }

  /**
   * Rewinds a run from DirtyScan: marked chunks [from, to - 1) and the chunk
   * after them, into which only their last store can have spilled (its
   * first SPILL bytes), from the image; zeroes the part above it.
   */
  private rewindChunks(mem: Uint8Array, from: number, to: number): void {
    this.image.copyChunks(mem, from, to - 1);
    this.image.copyPrefix(mem, to - 1, SPILL);
  }

  /**
   * The real memory is larger than the snapshot's (a run grew it). With
   * boundsChecks 'real' the next run then needs a fresh memory (src/backend/renew.ts).
   */
  get outgrown(): boolean {
    return this.memory!.buffer.byteLength > this.image.pages * PAGE;
  }

  /** The guest grew the memory since the last restore (memoryTracking 'auto' weighs renewals by it). */
  get grown(): boolean {
    return this.vpages.value > this.image.pages;
  }

  /**
   * Takes `from`'s snapshot as this fresh memory's and rewinds to it.
   * `written`: the byte ranges the instantiation wrote (its data segments),
   * if known: then only the image's stored chunks and those ranges are
   * written, and nothing is read; else every chunk is compared. Returns the
   * number of chunks written.
   */
  adopt(from: TrackedMemory, written: readonly (readonly [number, number])[] | null): number {
    this.image = from.image;
    // Its map may be this one's: every mark goes, the guest's too (a switch from marks, see src/backend/auto.ts).
    from.clearMarks(from.vpages.value);
    this.resize(this.image.pages);
    const bytes = this.bytes();
    return written ? this.image.loadFresh(bytes, written) : this.image.rewindDiffering(bytes, this.image.pages * CHUNKS_PER_PAGE);
  }

  /** Full check that the memory equals the snapshot (tests and `verifyRestore`). */
  verify(): void {
    if (this.vpages.value !== this.image.pages) {
      throw new RestoreError(`memory size is ${this.vpages.value} pages after restore, the snapshot has ${this.image.pages}`);
    }
    const mem = this.bytes();
    const differs = this.image.firstDifferentPage(mem);
    if (differs >= 0) throw new RestoreError(`memory page ${differs} differs from the snapshot after restore (an untracked write)`);
    for (let at = this.image.length; at < mem.length; at += PAGE) {
      if (mem.subarray(at, at + PAGE).some((b) => b !== 0)) {
        throw new RestoreError(`memory page ${at / PAGE} above the snapshot size is not zero after restore`);
      }
    }
    if (this.map.some((b) => b !== 0)) throw new RestoreError('dirty map not cleared after restore');
  }

  /** Replaces the memory's contents with an image from a snapshot file. */
  loadImage(pages: number, image: Uint8Array): void {
    if (image.length > pages * PAGE) throw new RestoreError('snapshot image is larger than its page count');
    const chunks = Math.ceil(image.length / CHUNK);
    const full = Math.floor(image.length / CHUNK);
    const padded = full === chunks ? image : new Uint8Array(chunks * CHUNK);
    if (padded !== image) padded.set(image);
    this.loadChunks(pages, chunks ? [[0, chunks]] : [], padded);
  }

  /**
   * Replaces the memory's contents with the chunks of a sparse image:
   * `runs` ([first chunk, count], ascending, within `pages`) hold `data`
   * back to back; every other chunk becomes zero. Chunks that already are
   * zero are only read, so pages never touched stay unbacked.
   */
  loadChunks(pages: number, runs: readonly (readonly [number, number])[], data: Uint8Array): void {
    const marked = this.vpages.value; // the size the marks so far were made under
    this.resize(pages);
    const bytes = this.bytes();
    const zero = (from: number, to: number) => {
      for (let c = from; c < to; c++) {
        if (!isZero(bytes, c * CHUNK)) bytes.fill(0, c * CHUNK, (c + 1) * CHUNK);
      }
    };
    let next = 0;
    let at = 0;
    for (const [first, count] of runs) {
      zero(next, first);
      bytes.set(data.subarray(at, at + count * CHUNK), first * CHUNK);
      at += count * CHUNK;
      next = first + count;
    }
    zero(next, bytes.length / CHUNK);
    this.clearMarks(Math.max(marked, pages));
    this.image = EMPTY; // until snapshot() takes the new contents (floorBytes holds: the size may have gone down)
  }

  /** Makes `pages` the size the guest sees, growing the real memory to it if it is smaller (it never shrinks). */
  private resize(pages: number): void {
    const memory = this.memory!;
    const have = memory.buffer.byteLength / PAGE;
    if (pages > have) memory.grow(pages - have);
    this.setPages(pages);
  }

  /** The guest-visible bytes of the snapshot, zeros included. */
  get snapshotImage(): Uint8Array {
    return this.image.dense();
  }

  /** The snapshot's sparse, shared image (snapshot files, pools). */
  get sharedImage(): MemoryImage {
    return this.image;
  }
}
