// The memory modes besides the default (see CreateOptions): memoryTracking
// 'scan' (writes are not marked; the restore compares memory with the
// snapshot) and boundsChecks 'real' (the engine's checks; a fresh instance
// after a run that grew the memory) must be exactly as faithful as marks;
// boundsChecks 'unchecked' is faithful for guests that stay inside
// memory.size, and deviates only as specs/semantics.md says. The hostile
// sequences (support/hostile-ops.ts) run in every exact mode wherever they
// are used.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError, ReusableInstance, type CreateOptions } from '../src/index.js';
import { MemoryImage, hashMemory } from '../src/memory/image.js';
import { CHUNK, PAGE } from '../src/rewrite/info.js';
import { activeData } from '../src/rewrite/sections.js';
import { assembled, differential, fixture, freshInitialised, prng, WASIP1_PROLOGUE } from './helpers.js';
import { build, observed, sameAsFresh } from './support/hostile-ops.js';
import { COMPONENTS, MODE_CORPUS } from './support/mode-corpus.js';

const SCAN: CreateOptions = { memoryTracking: 'scan', verifyRestore: true };
const SCAN_REAL: CreateOptions = { ...SCAN, boundsChecks: 'real' };
const UNCHECKED: CreateOptions = { ...SCAN, boundsChecks: 'unchecked' };
const MEM = build('hostile-mem');

describe.each([['scan', SCAN], ['scan with real bounds', SCAN_REAL], ['scan with unchecked bounds', UNCHECKED]] as const)('memory %s: reused runs equal fresh runs', (_, mode) => {
  const real = mode === SCAN_REAL;
  it.each(MODE_CORPUS.filter(([name]) => !(real && COMPONENTS.has(name))))('%s', async (name, options, inputs) => {
    await differential(fixture(name), { ...options, ...mode }, inputs, 24, options.init ? freshInitialised : undefined);
  });

  if (!real) {
    it('the preview1 adapter path (a component whose memory the adapter shares)', async () => {
      await differential(fixture('grow'), { ...mode, preview1: 'adapter' }, [{ args: ['2'] }, { args: ['0'] }], 12);
    });
  }
});

/** The same runs of hostile-mem.c on fresh instances and on one reused instance with `options`. */
async function compare(options: CreateOptions, ...args: string[]) {
  const fresh = await ReusableInstance.create(MEM, { strategy: 'reinstantiate' });
  const reused = await ReusableInstance.create(MEM, options);
  const out = [];
  for (const a of args) {
    const r = await reused.run({ args: [a] });
    out.push({ fresh: observed(await fresh.run({ args: [a] })), reused: observed(r) });
  }
  return out;
}

describe('boundsChecks real', () => {
  it('after a run that grew the memory, accesses past memory.size trap as on a fresh instance (the next run gets a fresh instance)', async () => {
    const runs = await compare(SCAN_REAL, 'grow-write', 'read-above', 'grow-write', 'poke-above', 'grow-read', 'memset-end', 'count');
    for (const { fresh, reused } of runs) expect(reused).toEqual(fresh);
    expect(runs[1]!.fresh.trap?.message).toMatch(/memory access out of bounds/);
  });

  it('a run that did not grow the memory is rewound in place; one that did gets a fresh instance', async () => {
    const inst = await ReusableInstance.create(MEM, SCAN_REAL);
    const pages = () => inst.stats().realMemoryBytes[0]! / PAGE;
    await inst.run({ args: ['count'] });
    const start = pages();
    await inst.run({ args: ['grow-write'] });
    expect(pages()).toBe(start + 2);
    await inst.run({ args: ['count'] });
    expect(pages()).toBe(start); // a new memory of the snapshot's size
  });

  it('a snapshot file saved after a growing run holds the snapshot, not that run (the save rewinds onto a fresh instance first)', async () => {
    const inst = await ReusableInstance.create(MEM, SCAN_REAL);
    await inst.run({ args: ['grow-write'] });
    const file = join(mkdtempSync(join(tmpdir(), 'rewind-real-snap-')), 'mem.snap');
    await inst.saveSnapshot(file);
    const loaded = await ReusableInstance.create(MEM, { snapshotFile: file, verifyRestore: true });
    const fresh = await ReusableInstance.create(MEM, { strategy: 'reinstantiate' });
    for (const a of ['read-above', 'grow-read', 'count']) expect(observed(await loaded.run({ args: [a] })), a).toEqual(observed(await fresh.run({ args: [a] })));
  });

  it('is refused where a fresh instance could not take the snapshot over: components, start functions, an init that may change tables', async () => {
    const refused = (file: string, options: CreateOptions, why: RegExp) => expect(ReusableInstance.create(file, { ...SCAN_REAL, ...options })).rejects.toThrow(why);
    await refused(fixture('hello-component'), {}, /boundsChecks "real" is for wasip1 commands on the native preview1 path/);
    await refused(fixture('hello'), { preview1: 'adapter' }, /boundsChecks "real" is for wasip1 commands on the native preview1 path/);
    await refused(build('start-fn'), {}, /would run the module's start function again/);
    await refused(build('state'), { init: '_start' }, /the init may change tables or reference globals/);
    const withRef = await assembled('ref-global', '(module (memory (export "memory") 1) (global $r (mut funcref) (ref.null func)) (func (export "init")) (func (export "_start")))');
    await refused(withRef, { init: 'init' }, /the init may change tables or reference globals/);
    expect((await (await ReusableInstance.create(withRef, SCAN_REAL)).run()).exitCode).toBe(0); // without an init it is taken
    await expect(ReusableInstance.create(build('start-fn'), SCAN_REAL)).rejects.toThrow(InvalidOptionsError);
    // The same modules in the other modes, and state.wat with real bounds but no init.
    for (const mode of [SCAN, UNCHECKED]) expect((await (await ReusableInstance.create(build('start-fn'), mode)).run()).stdout.toString()).toBe('s=1\n');
    await sameAsFresh(build('state'), [{}, {}, {}], [SCAN_REAL]);
  });
});

describe('boundsChecks unchecked', () => {
  const runs = (...args: string[]) => compare(UNCHECKED, ...args);

  it('before any run grew the memory, accesses past memory.size trap as on a fresh instance', async () => {
    for (const { fresh, reused } of await runs('read-above', 'poke-above', 'memset-end', 'count')) expect(reused).toEqual(fresh);
  });

  it('deviation: above memory.size but inside pages an earlier run grew, a read gives zeros where a fresh instance traps; nothing of that run shows', async () => {
    const [grow, read] = await runs('grow-write', 'read-above');
    expect(grow!.reused).toEqual(grow!.fresh);
    expect(read!.fresh.trap?.message).toMatch(/memory access out of bounds/);
    expect(read!.reused.trap).toBeUndefined();
    expect(Buffer.from(read!.reused.stdout, 'hex').toString()).toBe('0\n'); // grow-write filled those pages with 0xAB
  });

  it('a store there is rewound: the next run that grows into those pages reads zeros, as on a fresh instance', async () => {
    const [grow, poke, reread, count] = await runs('grow-write', 'poke-above', 'grow-read', 'count');
    expect(grow!.reused).toEqual(grow!.fresh);
    expect(poke!.fresh.trap).toBeDefined();
    expect(poke!.reused.trap).toBeUndefined();
    expect(reread!.reused).toEqual(reread!.fresh);
    expect(count!.reused).toEqual(count!.fresh);
  });

  it('real and unchecked need memoryTracking scan (unchecked marked stores could mark chunks the restore does not walk)', async () => {
    for (const boundsChecks of ['real', 'unchecked'] as const) {
      await expect(ReusableInstance.create(fixture('hello'), { boundsChecks })).rejects.toThrow(InvalidOptionsError);
      await expect(ReusableInstance.create(fixture('hello'), { boundsChecks })).rejects.toThrow(/boundsChecks "real" and "unchecked" need memoryTracking "scan"/);
    }
    await expect(ReusableInstance.create(fixture('hello'), { memoryTracking: 'pages' as never })).rejects.toThrow(InvalidOptionsError);
  });
});

describe('MemoryImage.rewindDiffering (the scan restore)', () => {
  /** An image of `pages` pages with stored runs longer and shorter than a compare block, and zero stretches. */
  const image = (pages: number, rand: () => number) => {
    const bytes = new Uint8Array(pages * PAGE);
    for (let c = 0; c < bytes.length / CHUNK; c++) {
      if (c % 40 < 21 || c % 7 === 3) bytes.fill(1 + (c % 200), c * CHUNK, (c + 1) * CHUNK);
      if (rand() < 0.1) bytes.fill(0, c * CHUNK, (c + 1) * CHUNK);
    }
    const h = hashMemory(bytes, pages);
    return { bytes, img: MemoryImage.build(bytes, pages, h.hash, h.stored) };
  };

  it('rewinds exactly the chunks that differ, below the end it is given, zeros above the image', () => {
    const rand = prng(11);
    const { bytes, img } = image(4, rand);
    const mem = new Uint8Array(7 * PAGE); // three pages "grown" above the image
    mem.set(bytes);
    const dirty = new Set<number>();
    for (let k = 0; k < 60; k++) {
      const c = Math.floor(rand() * (mem.length / CHUNK));
      const at = c * CHUNK + (k % 3 === 0 ? CHUNK - 1 : k % 3 === 1 ? 0 : Math.floor(rand() * CHUNK));
      mem[at] = (mem[at]! + 1 + Math.floor(rand() * 254)) & 0xff;
      dirty.add(c);
    }
    const endChunk = 6 * (PAGE / CHUNK); // the last page is left alone
    const expected = [...dirty].filter((c) => c < endChunk).length;
    const before = mem.slice(endChunk * CHUNK);
    expect(img.rewindDiffering(mem, endChunk)).toBe(expected);
    const want = new Uint8Array(endChunk * CHUNK);
    want.set(bytes);
    expect(Buffer.compare(mem.subarray(0, endChunk * CHUNK), want)).toBe(0);
    expect(Buffer.compare(mem.subarray(endChunk * CHUNK), before)).toBe(0);
    expect(img.rewindDiffering(mem, endChunk)).toBe(0);
  });

  it('an unchanged memory costs no copy; a change in the last byte of a block is found', () => {
    const { bytes, img } = image(2, prng(5));
    const mem = bytes.slice();
    expect(img.rewindDiffering(mem, mem.length / CHUNK)).toBe(0);
    for (const c of [15, 16, 31]) mem[(c + 1) * CHUNK - 1] = mem[(c + 1) * CHUNK - 1]! ^ 0xff;
    expect(img.rewindDiffering(mem, mem.length / CHUNK)).toBe(3);
    expect(Buffer.compare(mem, bytes)).toBe(0);
  });
});

describe('a renewed instance\'s memory (boundsChecks real)', () => {
  it('a module whose data segment offsets are computed: the fresh memory is compared with the image instead', async () => {
    const file = await assembled('computed', `(module ${WASIP1_PROLOGUE}
      (global $at i32 (i32.const 100))
      (data (global.get $at) "p=?\\n")
      (func (export "_start")
        (i32.store8 (i32.const 102) (i32.add (i32.const 48) (memory.grow (i32.const 1))))
        (i32.store (i32.const 0) (i32.const 100))
        (i32.store (i32.const 4) (i32.const 4))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`);
    expect(activeData(readFileSync(file))).toBeNull();
    const [first] = await sameAsFresh(file, [{}, {}, {}], [SCAN_REAL]);
    expect(Buffer.from(first!.stdout, 'hex').toString()).toBe('p=1\n');
  });

});
