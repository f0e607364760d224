// 100,000 runs of hello in one process: host RSS and guest memory sampled
// every 10,000 runs must stay flat (after a warm-up, within a fixed slack).
import { describe, expect, it } from 'vitest';
import { ReusableInstance } from '../src/index.js';
import { fixture } from './helpers.js';

const RUNS = 100_000;
const EVERY = 10_000;
const RSS_SLACK = 64 * 2 ** 20;

describe('soak', () => {
  it(`${RUNS.toLocaleString('en')} runs keep RSS and wasm memory flat`, async () => {
    const inst = await ReusableInstance.create(fixture('hello'));
    const samples: { run: number; rssMiB: number; wasmBytes: number; pages: number; glue: number }[] = [];
    const start = performance.now();
    for (let k = 1; k <= RUNS; k++) {
      const r = inst.runSync({});
      if (r.exitCode !== 0 || r.stdout.length !== 23) throw new Error(`run ${k}: ${r.trap?.message ?? r.exitCode}`);
      if (k % EVERY === 0) {
        inst.reset();
        globalThis.gc?.();
        const s = inst.stats();
        samples.push({ run: k, rssMiB: process.memoryUsage().rss / 2 ** 20, wasmBytes: s.realMemoryBytes[0]!, pages: s.memoryPages[0]!, glue: s.glueEntries });
      }
    }
    const seconds = (performance.now() - start) / 1000;
    console.log(`soak: ${RUNS} runs in ${seconds.toFixed(1)} s (${(RUNS / seconds).toFixed(0)} runs/s)`);
    console.table(samples.map((s) => ({ ...s, rssMiB: s.rssMiB.toFixed(1) })));
    const [first, ...rest] = samples.slice(1); // the first sample includes warm-up (JIT, caches)
    for (const s of rest) {
      expect(s.wasmBytes).toBe(first!.wasmBytes);
      expect(s.pages).toBe(first!.pages);
      expect(s.glue).toBe(first!.glue);
      expect((s.rssMiB - first!.rssMiB) * 2 ** 20).toBeLessThan(RSS_SLACK);
    }
  });
});
