// 100,000 runs of hello in one process. Guest memory and the glue's tables
// must not move at all; host memory (JS heap + buffers after a full GC, and
// RSS) is sampled through the soak and its least-squares slope per run must
// stay near zero: a host that keeps ~200 bytes of every run (say, each run's
// stdout in a global array) grows by ~20 MB here and fails the heap bound.
import { describe, expect, it } from 'vitest';
import { ReusableInstance } from '../src/index.js';
import { fixture } from './helpers.js';
import { growthPerRun, sampleMemory, type MemorySample } from './support/memory-trend.js';
import { scaled } from './support/scale.js';

const RUNS = scaled(100_000, 2_000);
const SAMPLES = 20;
/** Bytes per run. Measured slopes without a leak are a few bytes per run either way. */
const HEAP_SLOPE_LIMIT = 32;
const RSS_SLOPE_LIMIT = 256;

describe('soak', () => {
  it(`${RUNS.toLocaleString('en')} runs keep guest memory, glue tables and host memory flat`, async () => {
    const inst = await ReusableInstance.create(fixture('hello'));
    const expected = (await ReusableInstance.create(fixture('hello'), { strategy: 'reinstantiate' }).then((f) => f.run())).stdout;
    const every = Math.floor(RUNS / SAMPLES);
    const host: MemorySample[] = [];
    const guest: { run: number; wasmBytes: number; pages: number; glue: number }[] = [];
    const start = performance.now();
    for (let k = 1; k <= RUNS; k++) {
      const r = inst.runSync({});
      if (r.exitCode !== 0 || !r.stdout.equals(expected)) throw new Error(`run ${k}: ${r.trap?.message ?? r.exitCode} ${r.stdout}`);
      if (k % every === 0) {
        inst.reset();
        const s = inst.stats();
        guest.push({ run: k, wasmBytes: s.realMemoryBytes[0]!, pages: s.memoryPages[0]!, glue: s.glueEntries });
        host.push(sampleMemory(k));
      }
    }
    const seconds = (performance.now() - start) / 1000;
    // Early samples include warm-up (JIT, caches, the allocator taking its
    // working set: RSS climbs for the first ~15% of runs, then stays).
    const perRun = growthPerRun(host.slice(SAMPLES / 4));
    console.log(`soak: ${RUNS} runs in ${seconds.toFixed(1)} s; host growth per run: heap ${perRun.heap.toFixed(1)} B, rss ${perRun.rss.toFixed(1)} B`);
    console.table(host.map((s) => ({ run: s.run, heapMiB: (s.heapBytes / 2 ** 20).toFixed(2), rssMiB: (s.rssBytes / 2 ** 20).toFixed(1) })));
    for (const s of guest.slice(1)) expect(s, `guest state at run ${s.run}`).toEqual({ ...guest[0]!, run: s.run });
    expect(perRun.heap, 'heap bytes gained per run').toBeLessThan(HEAP_SLOPE_LIMIT);
    expect(perRun.rss, 'RSS bytes gained per run').toBeLessThan(RSS_SLOPE_LIMIT);
  });
});
