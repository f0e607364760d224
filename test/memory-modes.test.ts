// The memory modes besides the default (see CreateOptions): memoryTracking
// 'scan' (writes are not marked; the restore compares memory with the
// snapshot) must be exactly as faithful as marks; boundsChecks 'real' is
// faithful for guests that stay inside memory.size, and deviates only as
// specs/semantics.md says. The hostile sequences (support/hostile-ops.ts)
// run in both exact modes wherever they are used.
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError, ReusableInstance, type CreateOptions, type RunOptions } from '../src/index.js';
import { MemoryImage, hashMemory } from '../src/memory/image.js';
import { CHUNK, PAGE } from '../src/rewrite/info.js';
import { differential, fixture, freshInitialised, prng, type Fixture } from './helpers.js';
import { build, observed } from './support/hostile-ops.js';

const SCAN: CreateOptions = { memoryTracking: 'scan', verifyRestore: true };
const SCAN_REAL: CreateOptions = { ...SCAN, boundsChecks: 'real' };
const MEM = build('hostile-mem');

const corpus: [Fixture, CreateOptions, RunOptions[]][] = [
  ['hello', {}, [{}]],
  ['grow', {}, [{ args: ['0'] }, { args: ['12'] }, { args: ['3'] }]],
  ['files', { dirs: { '/data': { 'seed.txt': 'seed' } } }, [{ args: ['a.txt', 'one'] }, { args: ['seed.txt', '+more'] }]],
  ['faults', {}, [{ args: ['none'] }, { args: ['oob'] }, { args: ['stack'] }, { args: ['unreachable'] }]],
  ['secret', { dirs: { '/data': {} } }, [{ args: ['plant', 'abc123'] }, { args: ['scan', 'abc123'] }]],
  ['sieve', { init: 'wizer.initialize' }, [{ args: ['10'] }, { args: ['100000'] }]],
  ['cgi', {}, [{ env: { REQUEST_METHOD: 'GET', PATH_INFO: '/a' } }, { stdin: 'body', env: { REQUEST_METHOD: 'POST', PATH_INFO: '/b' } }]],
  ['js-wordfreq', {}, [{ stdin: 'a b a' }, { stdin: 'the cat and the hat' }]],
  ['hello-component', {}, [{}]],
];

describe.each([['scan', SCAN], ['scan with real bounds', SCAN_REAL]] as const)('memory %s: reused runs equal fresh runs', (_, mode) => {
  it.each(corpus)('%s', async (name, options, inputs) => {
    await differential(fixture(name), { ...options, ...mode }, inputs, 24, options.init ? freshInitialised : undefined);
  });

  it('the preview1 adapter path (a component whose memory the adapter shares)', async () => {
    await differential(fixture('grow'), { ...mode, preview1: 'adapter' }, [{ args: ['2'] }, { args: ['0'] }], 12);
  });
});

describe('boundsChecks real', () => {
  const runs = (...args: string[]) => args.map((a) => ({ args: [a] }));
  const compare = async (sequence: RunOptions[]) => {
    const fresh = await ReusableInstance.create(MEM, { strategy: 'reinstantiate' });
    const reused = await ReusableInstance.create(MEM, SCAN_REAL);
    const out = [];
    for (const run of sequence) out.push({ fresh: observed(await fresh.run(run)), reused: observed(await reused.run(run)) });
    return out;
  };

  it('before any run grew the memory, accesses past memory.size trap as on a fresh instance', async () => {
    for (const { fresh, reused } of await compare(runs('read-above', 'poke-above', 'memset-end', 'count'))) expect(reused).toEqual(fresh);
  });

  it('deviation: above memory.size but inside pages an earlier run grew, a read gives zeros where a fresh instance traps; nothing of that run shows', async () => {
    const [grow, read] = await compare(runs('grow-write', 'read-above'));
    expect(grow!.reused).toEqual(grow!.fresh);
    expect(read!.fresh.trap?.message).toMatch(/memory access out of bounds/);
    expect(read!.reused.trap).toBeUndefined();
    expect(Buffer.from(read!.reused.stdout, 'hex').toString()).toBe('0\n'); // grow-write filled those pages with 0xAB
  });

  it('a store there is rewound: the next run that grows into those pages reads zeros, as on a fresh instance', async () => {
    const [grow, poke, reread, count] = await compare(runs('grow-write', 'poke-above', 'grow-read', 'count'));
    expect(grow!.reused).toEqual(grow!.fresh);
    expect(poke!.fresh.trap).toBeDefined();
    expect(poke!.reused.trap).toBeUndefined();
    expect(reread!.reused).toEqual(reread!.fresh);
    expect(count!.reused).toEqual(count!.fresh);
  });

  it('needs memoryTracking scan (unchecked marked stores could mark chunks the restore does not walk)', async () => {
    await expect(ReusableInstance.create(fixture('hello'), { boundsChecks: 'real' })).rejects.toThrow(InvalidOptionsError);
    await expect(ReusableInstance.create(fixture('hello'), { boundsChecks: 'real' })).rejects.toThrow(/boundsChecks "real" needs memoryTracking "scan"/);
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
