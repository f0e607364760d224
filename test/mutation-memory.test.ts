// The tracked memory's parts (src/memory) against plain models, in
// milliseconds: the dirty-map walk must hand back exactly the marked chunks
// and their spill chunks, the snapshot image must read back the bytes it was
// built from, images must be shared only between identical memories, and a
// TrackedMemory must come back from any mix of guest and host writes and
// growth equal to its snapshot, as a fresh memory would be. No wasm is
// rewritten here (the end-to-end runs are in mutation-core.test.ts).
import { describe, expect, it, vi } from 'vitest';
import { RestoreError } from '../src/errors.js';
import { DirtyScan } from '../src/memory/dirty-scan.js';
import { hashMemory, isZero, MemoryImage } from '../src/memory/image.js';
import { adoptImages, imageCount, imageOf, onImageBuilt } from '../src/memory/image-store.js';
import { TrackedMemory } from '../src/memory/tracked-memory.js';
import { activeData, hasStart } from '../src/rewrite/sections.js';
import { CHUNK, CHUNKS_PER_PAGE, EXPORT_VBYTES, EXPORT_VPAGES, IMPORT_MEMORY, JUNK_CHUNK, PAGE, type MemoryMode, DEFAULT_MEMORY_MODE } from '../src/rewrite/info.js';
import { prng } from './helpers.js';

/** `pages` pages where each chunk is, at random, all zero, zero but one byte, or random bytes. */
function randomMemory(next: () => number, pages: number): Uint8Array {
  const bytes = new Uint8Array(pages * PAGE);
  for (let c = 0; c < pages * CHUNKS_PER_PAGE; c++) {
    const kind = next() % 3;
    if (kind === 1) bytes[c * CHUNK + (next() % CHUNK)] = 1 + (next() % 255);
    if (kind === 2) for (let i = 0; i < CHUNK; i += 97) bytes[c * CHUNK + i] = next() & 0xff;
  }
  return bytes;
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0;
const allZero = (a: Uint8Array) => same(a, new Uint8Array(a.length));
/** Indices of the marked (1) bytes of a dirty map. */
function marks(map: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = map.indexOf(1); i >= 0; i = map.indexOf(1, i + 1)) out.push(i);
  return out;
}

describe('DirtyScan against the set of marked chunks', () => {
  it('rewinds each marked chunk and the next one, in maximal ascending runs, counts them and clears the words it read', () => {
    const next = prng(3);
    for (let round = 0; round < 300; round++) {
      const map = new Uint8Array(8 * (1 + (next() % 12)));
      const density = 1 + (next() % 6);
      for (let c = 0; c < map.length; c++) if (next() % density === 0) map[c] = 1;
      const end = next() % (map.length + 9);
      const before = map.slice();
      // The words below ceil(end / 8) are read: a mark there covers its chunk and the next.
      const read = Math.min(Math.ceil(end / 8), map.length / 8) * 8;
      const want = new Set<number>();
      for (let c = 0; c < read; c++) if (before[c]) want.add(c).add(c + 1);
      const runs: [number, number][] = [];
      const count = new DirtyScan(map).forEachRun(end, (from, to) => runs.push([from, to]));
      const got: number[] = [];
      for (const [from, to] of runs) for (let c = from; c < to; c++) got.push(c);
      expect(got, `round ${round}`).toEqual([...want].sort((a, b) => a - b));
      // Maximal runs: two runs never touch (else they would be one).
      for (let i = 1; i < runs.length; i++) expect(runs[i]![0]).toBeGreaterThan(runs[i - 1]![1]);
      expect(count).toBe(want.size);
      expect([...map.subarray(0, read)].every((b) => b === 0)).toBe(true);
      expect(same(map.subarray(read), before.subarray(read))).toBe(true);
    }
  });

  it('a mark in the last chunk of the map, marks in adjacent words, and a clean map', () => {
    const map = new Uint8Array(32);
    map[7] = 1;
    map[8] = 1;
    map[31] = 1;
    const runs: [number, number][] = [];
    expect(new DirtyScan(map).forEachRun(32, (f, t) => runs.push([f, t]))).toBe(5);
    expect(runs).toEqual([[7, 10], [31, 33]]);
    expect(new DirtyScan(map).forEachRun(32, () => expect.fail('clean map'))).toBe(0);
  });
});

describe('MemoryImage against the bytes it was built from', () => {
  it('hash, stored chunks, dense copy, runs and parts', () => {
    const next = prng(5);
    for (let round = 0; round < 12; round++) {
      const pages = 1 + (next() % 3);
      const bytes = randomMemory(next, pages + 1); // a page beyond the image, not part of it
      const { hash, stored } = hashMemory(bytes, pages);
      const nonZero: number[] = [];
      for (let c = 0; c < pages * CHUNKS_PER_PAGE; c++) if (bytes.subarray(c * CHUNK, (c + 1) * CHUNK).some((b) => b)) nonZero.push(c);
      expect(stored).toBe(nonZero.length);
      const image = MemoryImage.build(bytes, pages, hash, stored);
      expect([image.hash, image.pages, image.length, image.storedChunks]).toEqual([hash, pages, pages * PAGE, stored]);
      expect(same(image.dense(), bytes.subarray(0, pages * PAGE))).toBe(true);
      const runs: [number, number][] = [];
      for (const c of nonZero) {
        const last = runs[runs.length - 1];
        if (last && last[0] + last[1] === c) last[1]++;
        else runs.push([c, 1]);
      }
      expect(image.runs()).toEqual(runs);
      const copy = MemoryImage.fromParts(image.parts);
      expect(same(copy.dense(), image.dense())).toBe(true);
      expect([copy.hash, copy.pages, copy.storedChunks]).toEqual([hash, pages, stored]);
    }
  });

  it('the hash covers the page count, each stored chunk\'s place and its bytes', () => {
    const a = new Uint8Array(2 * PAGE);
    a[CHUNK + 1] = 1;
    const moved = new Uint8Array(2 * PAGE);
    moved[2 * CHUNK + 1] = 1;
    const changed = a.slice();
    changed[CHUNK + 2] = 1;
    const hashes = [hashMemory(a, 1), hashMemory(a, 2), hashMemory(moved, 1), hashMemory(changed, 1), hashMemory(new Uint8Array(PAGE), 1)].map((h) => h.hash);
    expect(new Set(hashes).size).toBe(hashes.length);
    expect(hashMemory(a.slice(), 1)).toEqual(hashMemory(a, 1));
    expect(isZero(a, 0)).toBe(true);
    expect(isZero(a, CHUNK)).toBe(false);
  });

  it('copyChunks writes the image over [from, to), zeros above the image, and nothing else', () => {
    const next = prng(8);
    for (let round = 0; round < 60; round++) {
      const pages = 1 + (next() % 2);
      const source = randomMemory(next, pages);
      const image = MemoryImage.build(source, pages, 'h', hashMemory(source, pages).stored);
      const memPages = pages + (next() % 3) - 1 || 1;
      const mem = randomMemory(next, memPages);
      const before = mem.slice();
      const chunks = memPages * CHUNKS_PER_PAGE;
      const from = next() % (chunks + 2);
      const to = from + (next() % (chunks + 4 - from));
      image.copyChunks(mem, from, to);
      for (let c = 0; c < chunks; c++) {
        const got = mem.subarray(c * CHUNK, (c + 1) * CHUNK);
        const want = c < from || c >= to ? before.subarray(c * CHUNK, (c + 1) * CHUNK)
          : c < pages * CHUNKS_PER_PAGE ? source.subarray(c * CHUNK, (c + 1) * CHUNK) : new Uint8Array(CHUNK);
        expect(same(got, want), `round ${round} chunk ${c} of [${from}, ${to})`).toBe(true);
      }
    }
  });

  it('copyChunks stops at `to` inside a run of zero chunks and inside a run of stored chunks', () => {
    const source = new Uint8Array(PAGE);
    for (const c of [4, 5, 6, 7]) source[c * CHUNK + 1] = c; // chunks 0-3 and 8-15 zero, 4-7 stored
    const image = MemoryImage.build(source, 1, 'h', 4);
    for (const [from, to] of [[1, 2], [4, 6], [0, 5], [6, 9]] as const) {
      const mem = new Uint8Array(PAGE).fill(0xee);
      image.copyChunks(mem, from, to);
      const want = new Uint8Array(PAGE).fill(0xee);
      want.set(source.subarray(from * CHUNK, to * CHUNK), from * CHUNK);
      expect(same(mem, want), `[${from}, ${to})`).toBe(true);
    }
  });

  it('copyPrefix writes the first bytes of one chunk (zeros above the image), within the memory, and nothing else', () => {
    const next = prng(12);
    const source = randomMemory(next, 1);
    source.fill(0, 2 * CHUNK, 3 * CHUNK); // a zero chunk among stored ones
    source[5 * CHUNK] = 9;
    const image = MemoryImage.build(source, 1, 'h', hashMemory(source, 1).stored);
    for (const c of [0, 2, 5, 15, 16, 20, 31, 32, 40]) {
      const mem = new Uint8Array(2 * PAGE).fill(0xee);
      image.copyPrefix(mem, c, 16);
      const want = new Uint8Array(2 * PAGE).fill(0xee);
      if (c * CHUNK < want.length) want.set(c < CHUNKS_PER_PAGE ? source.subarray(c * CHUNK, c * CHUNK + 16) : new Uint8Array(16), c * CHUNK);
      expect(same(mem, want), `chunk ${c}`).toBe(true);
    }
    const short = new Uint8Array(PAGE + 8).fill(0xee);
    image.copyPrefix(short, CHUNKS_PER_PAGE, 16); // a memory ending inside the prefix of a chunk above the image
    expect(allZero(short.subarray(PAGE))).toBe(true);
    expect(short[PAGE - 1]).toBe(0xee);
  });

  it('firstDifferentPage finds the lowest page that differs, within the image only', () => {
    const next = prng(9);
    const source = randomMemory(next, 3);
    const image = MemoryImage.build(source, 3, 'h', hashMemory(source, 3).stored);
    const mem = new Uint8Array(4 * PAGE);
    mem.set(source);
    mem[3 * PAGE + 5] = 1; // beyond the image: not its business
    expect(image.firstDifferentPage(mem)).toBe(-1);
    for (const at of [0, CHUNK - 1, PAGE + 3 * CHUNK, 3 * PAGE - 1]) {
      const m = mem.slice();
      m[at] = m[at]! ^ 0x80;
      m[3 * PAGE - 1] = m[3 * PAGE - 1]! ^ 0x40;
      expect(image.firstDifferentPage(m)).toBe(Math.floor(at / PAGE));
    }
  });
});

describe('image store: one image per distinct content', () => {
  const unique = (seed: number, pages = 1) => {
    const bytes = randomMemory(prng(seed), pages);
    bytes[0] = seed & 0xff;
    bytes[1] = 0xa5;
    return bytes;
  };

  it('identical memories share one image, different ones do not; only new images are announced and counted', () => {
    const built: MemoryImage[] = [];
    onImageBuilt((i) => built.push(i));
    try {
      const count = imageCount();
      const a = imageOf(unique(101), 1);
      const b = imageOf(unique(101), 1);
      const c = imageOf(unique(102), 1);
      const d = imageOf(unique(101, 2).fill(0, PAGE), 2); // same bytes, one more (zero) page
      expect(b).toBe(a);
      expect(c).not.toBe(a);
      expect(d).not.toBe(a);
      expect(d.pages).toBe(2);
      expect(built).toEqual([a, c, d]);
      expect(imageCount()).toBe(count + 3);
    } finally {
      onImageBuilt(null);
    }
  });

  it('imageCount counts live images: an image nobody holds any more is not counted after a GC', async () => {
    const collect = async () => {
      await new Promise((resolve) => setTimeout(resolve, 0)); // WeakRef targets live to the end of the job
      (globalThis as { gc?: () => void }).gc!();
    };
    await collect();
    const count = imageCount();
    (() => imageOf(unique(108), 1))();
    expect(imageCount()).toBe(count + 1);
    await collect();
    expect(imageCount()).toBe(count);
  });

  it('an adopted image is used for memory that equals it, never for memory that only hashes like it', () => {
    const bytes = unique(103);
    const { hash, stored } = hashMemory(bytes, 1);
    const other = unique(104);
    // Parts claiming the hash of `bytes` with other contents (a colliding hash): not reused.
    const forged = MemoryImage.build(other, 1, hash, hashMemory(other, 1).stored);
    const count = imageCount();
    adoptImages([forged.parts]);
    expect(imageCount()).toBe(count + 1);
    const got = imageOf(bytes, 1);
    expect(got.hash).toBe(hash);
    expect(same(got.dense(), bytes)).toBe(true);
    // Same hash, other page count: not reused either.
    const twoPages = new Uint8Array(2 * PAGE);
    twoPages.set(unique(107));
    const wide = MemoryImage.build(twoPages, 2, hashMemory(twoPages, 1).hash, hashMemory(twoPages, 2).stored);
    adoptImages([wide.parts]);
    const narrow = imageOf(twoPages, 1);
    expect(narrow.pages).toBe(1);
    expect(narrow.slots).not.toBe(wide.slots);

    // A genuine image from elsewhere is used as is, and adopting it again changes nothing.
    const shared = unique(105);
    const h = hashMemory(shared, 1);
    const theirs = MemoryImage.build(shared, 1, h.hash, h.stored);
    adoptImages([theirs.parts]);
    const pinned = imageOf(shared.slice(), 1);
    expect(pinned.slots).toBe(theirs.slots);
    adoptImages([MemoryImage.build(shared, 1, h.hash, h.stored).parts]);
    expect(imageOf(shared.slice(), 1)).toBe(pinned);
  });
});

/** A TrackedMemory attached to a plain memory and size globals, as the linker attaches a rewritten module's. */
function tracked(pages: number, maxPages = 64, limitPages = 64, mode: MemoryMode = DEFAULT_MEMORY_MODE, takeMap?: WebAssembly.Memory) {
  const t = new TrackedMemory({ imported: null, initialPages: pages, maxPages, mode }, limitPages, takeMap);
  // The memory the TrackedMemory creates for the module that defines it (imported by that module).
  const memory = t.definerImports[IMPORT_MEMORY] as WebAssembly.Memory;
  const vpages = new WebAssembly.Global({ value: 'i32', mutable: true }, pages);
  const vbytes = new WebAssembly.Global({ value: 'i64', mutable: true }, BigInt(pages * PAGE));
  t.attach({ [EXPORT_VPAGES]: vpages, [EXPORT_VBYTES]: vbytes }, memory);
  const map = new Uint8Array(t.mapMemory.buffer);
  const bytes = () => new Uint8Array(memory.buffer);
  /** A guest store as the rewritten code does it: mark the chunk, write (may spill into the next chunk). */
  const store = (at: number, data: Uint8Array) => {
    map[at >>> 12] = 1;
    bytes().set(data, at);
  };
  const grow = (n: number) => {
    const have = memory.buffer.byteLength / PAGE;
    if (vpages.value + n > have) memory.grow(vpages.value + n - have);
    vpages.value += n;
    vbytes.value = BigInt(vpages.value * PAGE);
  };
  return { t, memory, vpages, vbytes, map, bytes, store, grow };
}

const errorOf = (fn: () => void) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RestoreError);
    return (e as Error).message;
  }
  return undefined;
};

describe('TrackedMemory restore against its snapshot', () => {
  it('random guest stores (spilling), host writes, growth: every restore gives the snapshot back, size globals included', () => {
    const next = prng(21);
    const m = tracked(2);
    m.bytes().set(randomMemory(next, 2));
    m.t.snapshot();
    const snap = m.bytes().slice();
    expect(m.t.sharedImage.pages).toBe(2);
    expect(same(m.t.snapshotImage, snap)).toBe(true);
    for (let run = 0; run < 40; run++) {
      for (let op = 0; op < 8; op++) {
        const size = m.vpages.value * PAGE;
        const kind = next() % 5;
        const data = new Uint8Array(1 + (next() % 16)).map(() => 1 + (next() % 255));
        if (kind === 0) m.grow(1 + (next() % 2));
        else if (kind === 1) {
          const at = next() % (m.memory.buffer.byteLength - 600);
          m.bytes().fill(7, at, at + 600);
          m.t.markRange(at, 600);
        } else if (kind === 2) {
          const at = next() % (m.memory.buffer.byteLength - 16);
          m.bytes().set(data.subarray(0, 16), at);
          m.t.markPointer(at);
        } else {
          // Chunk-boundary and last-bytes stores are the ones that spill.
          const at = [next() % (size - 16), (1 + (next() % (size / CHUNK - 1))) * CHUNK - (next() % 16), size - 16][next() % 3]!;
          m.store(at, data);
        }
      }
      const count = m.t.restore();
      expect(count).toBeGreaterThanOrEqual(0);
      const now = m.bytes();
      expect(same(now.subarray(0, snap.length), snap), `run ${run}`).toBe(true);
      expect(allZero(now.subarray(snap.length)), `run ${run}: above the snapshot`).toBe(true);
      expect([m.vpages.value, m.vbytes.value]).toEqual([2, BigInt(2 * PAGE)]);
      expect(marks(m.map)).toEqual([]);
      if (run % 8 === 7) m.t.verify();
    }
  });

  it('restore counts the chunks it rewound: a marked chunk and its spill chunk', () => {
    const m = tracked(1);
    m.t.snapshot();
    expect(m.t.restore()).toBe(0);
    m.store(3 * CHUNK + 5, new Uint8Array([1]));
    expect(m.t.restore()).toBe(2);
    m.store(3 * CHUNK, new Uint8Array([1]));
    m.store(9 * CHUNK, new Uint8Array([1]));
    expect(m.t.restore()).toBe(4);
  });

  it('a store in the last chunk below the virtual size spills into the chunk above it, which the restore zeroes', () => {
    const m = tracked(1);
    m.memory.grow(1); // the real memory is larger than the guest's (as after a rewound grow)
    m.t.snapshot();
    m.store(PAGE - 8, new Uint8Array(16).fill(9));
    m.t.restore();
    expect(allZero(m.bytes())).toBe(true);
    m.t.verify();
  });

  it('host writes above the virtual size (the real memory is larger after a grow was rewound) are rewound too', () => {
    const m = tracked(1);
    m.t.snapshot();
    m.grow(3);
    m.t.restore();
    expect(m.memory.buffer.byteLength).toBe(4 * PAGE);
    m.bytes().fill(5, 3 * PAGE + 100, 3 * PAGE + 300);
    m.t.markRange(3 * PAGE + 100, 200);
    m.bytes()[2 * PAGE + 7] = 6;
    m.t.markPointer(2 * PAGE + 7);
    expect(m.t.restore()).toBeGreaterThanOrEqual(2);
    expect(allZero(m.bytes())).toBe(true);
    m.t.verify();
    // The host's high mark is per run: the next restore rewinds only what the guest could reach.
    m.bytes()[3 * PAGE] = 1;
    m.map[3 * CHUNKS_PER_PAGE] = 1;
    m.t.restore();
    expect(m.bytes()[3 * PAGE]).toBe(1);
  });

  it('markRange and markPointer mark exactly the chunks written (signed i32 pointers as unsigned), and ignore empty and junk-chunk ranges', () => {
    const m = tracked(1);
    const marked = () => marks(m.map);
    m.t.markRange(0, 1);
    expect(marked()).toEqual([0]);
    m.map.fill(0);
    m.t.markRange(CHUNK - 1, 2);
    expect(marked()).toEqual([0, 1]);
    m.map.fill(0);
    m.t.markRange(2 * CHUNK, CHUNK);
    expect(marked()).toEqual([2]);
    m.map.fill(0);
    m.t.markRange(5 * CHUNK, CHUNK + 1);
    expect(marked()).toEqual([5, 6]);
    m.map.fill(0);
    m.t.markRange(100, 0);
    m.t.markRange(-1, 10); // 0xffffffff: in the junk chunk
    m.t.markPointer(-1);
    m.t.markPointer(JUNK_CHUNK * CHUNK);
    expect(marked()).toEqual([]);
    // i32 arguments arrive signed: 2 GiB and above are negative numbers.
    m.t.markRange((2 ** 31 + CHUNK) | 0, 1);
    m.t.markPointer((2 ** 31 + 3 * CHUNK) | 0);
    expect(marked()).toEqual([2 ** 19 + 1, 2 ** 19 + 3]);
    m.map.fill(0);
    m.t.markRange((JUNK_CHUNK - 1) * CHUNK, 3 * CHUNK); // clipped below the junk chunk
    expect(marked()).toEqual([JUNK_CHUNK - 1]);
    m.map.fill(0);
    m.t.markRange(JUNK_CHUNK * CHUNK, 10); // entirely in the junk chunk: nothing
    expect(marked()).toEqual([]);
    m.t.markPointer(JUNK_CHUNK * CHUNK - 1);
    m.t.markPointer(7 * CHUNK + 4095);
    m.t.markPointer(0);
    expect(marked()).toEqual([0, 7, JUNK_CHUNK - 1]);
  });

  it('scan: unmarked guest writes below the virtual size the run ended with, and host writes, are all rewound; only differing chunks count', () => {
    const next = prng(33);
    const m = tracked(2, 64, 64, { tracking: 'scan', bounds: 'virtual' });
    m.bytes().set(randomMemory(next, 2));
    m.t.snapshot();
    const snap = m.bytes().slice();
    for (let run = 0; run < 30; run++) {
      const written = new Set<number>();
      for (let op = 0; op < 6; op++) {
        const kind = next() % 4;
        if (kind === 0) m.grow(1 + (next() % 2));
        const size = m.vpages.value * PAGE;
        const at = next() % (size - 1);
        const old = m.bytes()[at]!;
        m.bytes()[at] = (old + 1 + (next() % 254)) & 0xff; // a guest store: no mark
        if (kind === 3) m.t.markPointer(at);
        written.add(at >>> 12);
      }
      const differing = [...written].filter((c) => !same(m.bytes().subarray(c * CHUNK, (c + 1) * CHUNK), c * CHUNK < snap.length ? snap.subarray(c * CHUNK, (c + 1) * CHUNK) : new Uint8Array(CHUNK))).length;
      expect(m.t.restore(), `run ${run}`).toBe(differing);
      expect(same(m.bytes().subarray(0, snap.length), snap), `run ${run}`).toBe(true);
      expect(allZero(m.bytes().subarray(snap.length)), `run ${run}: above the snapshot`).toBe(true);
      expect([m.vpages.value, m.vbytes.value]).toEqual([2, BigInt(2 * PAGE)]);
      expect(marks(m.map)).toEqual([]);
      m.t.verify();
    }
  });

  it('scan: the compared range is the virtual size or the host\'s highest write; with real bounds, the whole real memory', () => {
    const virtual = tracked(1, 64, 64, { tracking: 'scan', bounds: 'virtual' });
    virtual.t.snapshot();
    virtual.grow(3);
    virtual.t.restore(); // the real memory now has 4 pages, the guest 1
    virtual.bytes()[3 * PAGE + 9] = 1; // no guest write can be there: not compared
    virtual.bytes()[PAGE - 1] = 1;
    expect(virtual.t.restore()).toBe(1);
    expect(virtual.bytes()[3 * PAGE + 9]).toBe(1);
    virtual.t.markPointer(3 * PAGE + 9); // a host write there is
    expect(virtual.t.restore()).toBe(1);
    expect(allZero(virtual.bytes())).toBe(true);
    const real = tracked(1, 64, 64, { tracking: 'scan', bounds: 'real' });
    real.t.snapshot();
    real.grow(3);
    real.t.restore();
    real.bytes()[4 * PAGE - 1] = 1; // the last byte of the real memory
    real.bytes()[2 * PAGE] = 1;
    expect(real.t.restore()).toBe(2);
    expect(allZero(real.bytes())).toBe(true);
    real.t.verify();
  });

  it('real bounds: a grown real memory is outgrown; a fresh memory adopts the snapshot over what its instantiation wrote, and takes the old map', () => {
    const REAL: MemoryMode = { tracking: 'scan', bounds: 'real' };
    const old = tracked(2, 64, 64, REAL);
    old.bytes().set(randomMemory(prng(8), 2));
    old.bytes().fill(0, 10 * CHUNK, 11 * CHUNK); // a data segment's chunk the init zeroed
    old.bytes().fill(3, 0, CHUNK);
    old.t.snapshot();
    const snap = old.bytes().slice();
    expect(old.t.outgrown).toBe(false);
    old.grow(1);
    old.bytes()[2 * PAGE + 5] = 1;
    old.t.markPointer(3 * CHUNK);
    expect(old.t.outgrown).toBe(true);
    const chunks = (want: (c: number) => boolean) => Array.from({ length: 2 * CHUNKS_PER_PAGE }, (_, c) => c).filter(want).length;
    const stored = chunks((c) => !isZero(snap, c * CHUNK));
    // A fresh instance (its memory declares 1 page; the snapshot has 2), whose data segments wrote bytes 100-299 and chunk 10.
    const written: [number, number][] = [[100, 300], [10 * CHUNK, 11 * CHUNK]];
    const fresh = () => {
      const m = tracked(1, 64, 64, REAL, old.t.mapMemory);
      for (const [from, to] of written) m.bytes().fill(0xee, from, to);
      return m;
    };
    const known = fresh();
    expect(known.t.mapMemory).toBe(old.t.mapMemory);
    expect(known.t.adopt(old.t, written)).toBe(stored + 1); // and chunk 10 zeroed
    expect(marks(known.map)).toEqual([]); // the old instance's host mark is gone
    const check = (m: ReturnType<typeof tracked>) => {
      expect(same(m.bytes(), snap)).toBe(true);
      expect([m.vpages.value, m.vbytes.value]).toEqual([2, BigInt(2 * PAGE)]);
      expect(m.t.outgrown).toBe(false);
      m.t.verify();
    };
    check(known);
    const unknown = fresh(); // offsets not known: every chunk compared, only the differing ones written
    expect(unknown.t.adopt(old.t, null)).toBe(chunks((c) => !isZero(snap, c * CHUNK) || c === 0 || c === 10));
    check(unknown);
  });

  it('scan compares a stretch of up to 16 chunks (one run of the image, or zeros) at once, and chunk by chunk only where it differs', () => {
    const bytes = new Uint8Array(2 * PAGE);
    bytes.fill(9, 0, 20 * CHUNK); // chunks 0-19 stored, one run of the image; 20-23 zero; 24-31 stored
    bytes.fill(8, 24 * CHUNK, 32 * CHUNK);
    const m = tracked(2, 64, 64, { tracking: 'scan', bounds: 'virtual' });
    m.bytes().set(bytes);
    m.t.snapshot();
    const compare = vi.spyOn(Buffer, 'compare');
    try {
      expect(m.t.restore()).toBe(0);
      expect(compare).toHaveBeenCalledTimes(4); // [0, 16) [16, 20) [20, 24) [24, 32)
      compare.mockClear();
      m.bytes()[17 * CHUNK + 5] = 1;
      m.bytes()[30 * CHUNK] = 1;
      expect(m.t.restore()).toBe(2);
      expect(compare).toHaveBeenCalledTimes(4 + 4 + 8);
      expect(same(m.bytes(), bytes)).toBe(true);
    } finally {
      compare.mockRestore();
    }
  });

  it('restore clears the junk chunk mark that trapping accesses leave', () => {
    const m = tracked(1);
    m.t.snapshot();
    m.map[JUNK_CHUNK] = 1;
    m.t.restore();
    expect(m.map[JUNK_CHUNK]).toBe(0);
    m.t.verify();
  });

  it('verify names each difference', () => {
    const m = tracked(1);
    m.bytes()[10] = 1;
    m.t.snapshot();
    m.t.verify();
    m.vpages.value = 2;
    expect(errorOf(() => m.t.verify())).toBe('memory size is 2 pages after restore, the snapshot has 1');
    m.vpages.value = 1;
    m.bytes()[CHUNK * 10] = 1;
    expect(errorOf(() => m.t.verify())).toBe('memory page 0 differs from the snapshot after restore (an untracked write)');
    m.bytes()[CHUNK * 10] = 0;
    m.memory.grow(2);
    m.bytes()[3 * PAGE - 1] = 1;
    expect(errorOf(() => m.t.verify())).toBe('memory page 2 above the snapshot size is not zero after restore');
    m.bytes()[3 * PAGE - 1] = 0;
    m.map[JUNK_CHUNK] = 1;
    expect(errorOf(() => m.t.verify())).toBe('dirty map not cleared after restore');
    m.map[JUNK_CHUNK] = 0;
    m.t.verify();
  });

  it('limit, imports and the virtual size', () => {
    const m = tracked(1, 10, 4);
    expect(m.t.limit.value).toBe(4);
    expect(tracked(1, 3, 8).t.limit.value).toBe(3);
    expect(m.t.imports).toEqual({ map: m.t.mapMemory, limit: m.t.limit, vpages: m.vpages, vbytes: m.vbytes });
    expect(m.t.definerImports).toEqual({ [IMPORT_MEMORY]: m.memory, map: m.t.mapMemory, limit: m.t.limit });
    expect(m.memory.buffer.byteLength).toBe(PAGE);
    expect(() => m.memory.grow(10)).toThrow(RangeError); // the declared maximum (10 pages, one in use)
    expect(m.t.vpages).toBe(m.vpages);
  });
});

describe('TrackedMemory loads snapshot-file images', () => {
  it('loadImage: the image, zeros above it, the page count, a clean map; a padded partial chunk', () => {
    const next = prng(31);
    const m = tracked(3);
    m.bytes().fill(0xee); // the padding of the partial chunk must overwrite this too
    m.map[4] = 1;
    const image = randomMemory(next, 2).subarray(0, PAGE + 1000);
    m.t.loadImage(3, image);
    expect(m.memory.buffer.byteLength).toBe(3 * PAGE);
    expect(same(m.bytes().subarray(0, image.length), image)).toBe(true);
    expect(allZero(m.bytes().subarray(image.length))).toBe(true);
    expect([m.vpages.value, m.vbytes.value]).toEqual([3, BigInt(3 * PAGE)]);
    expect(allZero(m.map)).toBe(true);
    m.t.loadImage(2, new Uint8Array(0));
    expect(allZero(m.bytes())).toBe(true);
    expect(m.vpages.value).toBe(2);
    expect(errorOf(() => m.t.loadImage(1, new Uint8Array(PAGE + 1)))).toBe('snapshot image is larger than its page count');
    m.t.loadImage(1, new Uint8Array(PAGE).fill(4));
    expect(m.bytes().subarray(0, PAGE).every((b) => b === 4)).toBe(true);
    const small = tracked(1);
    small.t.loadImage(3, image); // the memory grows to the image's page count
    expect(small.memory.buffer.byteLength).toBe(3 * PAGE);
    expect(same(small.bytes().subarray(0, image.length), image)).toBe(true);
  });

  it('loadChunks: the runs at their places, every other chunk zero, without growing a memory that is large enough', () => {
    const data = randomMemory(prng(32), 1).subarray(0, 5 * CHUNK);
    const runs: [number, number][] = [[2, 1], [3, 2], [20, 2]];
    const want = new Uint8Array(3 * PAGE);
    want.set(data.subarray(0, 3 * CHUNK), 2 * CHUNK);
    want.set(data.subarray(3 * CHUNK), 20 * CHUNK);
    // Garbage in every chunk, then in every chunk but the first.
    for (const firstZero of [false, true]) {
      const m = tracked(3);
      m.bytes().fill(0xee, firstZero ? CHUNK : 0);
      m.t.loadChunks(2, runs, data);
      expect(m.memory.buffer.byteLength).toBe(3 * PAGE);
      expect(same(m.bytes(), want), `first chunk zero: ${firstZero}`).toBe(true);
      expect(m.vpages.value).toBe(2);
    }
  });

});

describe('a renewed instance\'s memory (boundsChecks real): what instantiation wrote, and the image written over it', () => {
  it('activeData lists the active data segments (one- to five-byte offsets, a negative one as unsigned), skips passive and empty ones, gives up on computed offsets', async () => {
    const { parse } = await import('@bytecodealliance/jco');
    const mod = await parse(`(module (memory 2)
      (data (i32.const 5) "a") (data (i32.const 100) "abc") (data "passive") (data (i32.const 70000) "xy")
      (data (i32.const 9) "") (data (i32.const 268435456) "q") (data (i32.const -65536) "zz") (data (i32.const -2147483648) "w"))`);
    expect(activeData(mod)).toEqual([[5, 6], [100, 103], [70000, 70002], [268435456, 268435457], [4294901760, 4294901762], [2147483648, 2147483649]]);
    // A segment naming its memory (flags 2, memory 0) at offset 7, written by hand: assemblers use flags 0 for memory 0.
    const named = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 3, 1, 0, 1, 11, 8, 1, 2, 0, 0x41, 7, 0x0b, 1, 0x6d]);
    expect(WebAssembly.validate(named)).toBe(true);
    expect(activeData(named)).toEqual([[7, 8]]);
    expect(activeData(await parse('(module (memory 1))'))).toEqual([]);
    expect(activeData(await parse('(module (memory 1) (global $g i32 (i32.const 8)) (data (global.get $g) "z"))'))).toBeNull();
    expect(activeData(await parse('(module (memory 1) (data (i32.add (i32.const 8) (i32.const 1)) "z"))'))).toBeNull();
  });

  it('hasStart finds a start section', async () => {
    const { parse } = await import('@bytecodealliance/jco');
    expect(hasStart(await parse('(module (func $s) (start $s))'))).toBe(true);
    expect(hasStart(await parse('(module (func $s (export "_start")))'))).toBe(false);
  });

  it('MemoryImage.loadFresh writes the stored chunks and zeroes what the data segments wrote where the image is zero, and nothing else', () => {
    const pages = 3;
    const want = new Uint8Array(pages * PAGE);
    for (const c of [0, 1, 2, 5, 20, 21, 47]) want.fill(c + 1, c * CHUNK, (c + 1) * CHUNK);
    const h = hashMemory(want, pages);
    const img = MemoryImage.build(want, pages, h.hash, h.stored);
    const mem = new Uint8Array(pages * PAGE);
    const written: [number, number][] = [[100, 200], [8 * CHUNK - 3, 9 * CHUNK + 1], [21 * CHUNK, 21 * CHUNK + 5], [30 * CHUNK, 30 * CHUNK + 1]];
    for (const [from, to] of written) mem.fill(0xee, from, to);
    mem[40 * CHUNK] = 0xee; // not said to be written: left alone (a fresh memory has zeros there)
    expect(img.loadFresh(mem, written)).toBe(7 + 4); // the stored chunks, and chunks 7, 8, 9 and 30 zeroed (chunks 0 and 21 are stored)
    expect(mem[40 * CHUNK]).toBe(0xee);
    mem[40 * CHUNK] = 0;
    expect(Buffer.compare(mem, want)).toBe(0);
  });
});
