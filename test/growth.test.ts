// Nothing may grow run to run: guest memory size, real memory size and the
// glue's handle tables stay where a fresh instance has them, and the host's
// heap (after a full GC) has no upward trend.
import { describe, expect, it } from 'vitest';
import { ReusableInstance } from '../src/index.js';
import { fixture } from './helpers.js';
import { growthPerRun, sampleMemory, type MemorySample } from './support/memory-trend.js';
import { scaled } from './support/scale.js';

/** Bytes per run; without a leak the fitted slope is a few bytes either way. */
const HEAP_SLOPE_LIMIT = 64;

describe('no growth across runs', () => {
  it.each([
    ['hello', [] as string[], 10_000],
    ['grow', ['4'], 2_000],
    ['state', [], 10_000],
  ] as const)('%s: runs keep guest memory, glue tables and host memory flat', async (name, args, count) => {
    const runs = scaled(count, 50);
    const inst = await ReusableInstance.create(fixture(name));
    inst.reset();
    const initial = inst.stats();
    await inst.run({ args: [...args] });
    inst.reset();
    const afterOne = inst.stats();
    const host: MemorySample[] = [];
    for (let k = 1; k <= runs; k++) {
      const r = inst.runSync({ args: [...args] });
      if (r.exitCode !== 0) throw new Error(`run ${k} failed: ${r.trap?.message ?? r.exitCode}`);
      if (k % Math.ceil(runs / 10) === 0) host.push(sampleMemory(k));
    }
    inst.reset();
    const after = inst.stats();
    expect(after.memoryPages).toEqual(initial.memoryPages);
    expect(after.glueEntries).toBe(initial.glueEntries);
    // The real memory grew once (first run) and is then reused, never again.
    expect(after.realMemoryBytes).toEqual(afterOne.realMemoryBytes);
    // Host heap: a least-squares slope over the samples after warm-up. Too few
    // runs for a tight bound on RSS here (the soak test has one).
    if (runs >= 5_000) expect(growthPerRun(host.slice(3)).heap, 'host heap bytes gained per run').toBeLessThan(HEAP_SLOPE_LIMIT);
  });

  it('handle tables filled by runs are emptied by the reset', async () => {
    // jco's handle tables: the component path (a native preview1 instance has no glue).
    const reused = await ReusableInstance.create(fixture('files'), { dirs: { '/data': {} }, preview1: 'adapter' });
    const baseline = reused.stats().glueEntries;
    for (let k = 0; k < 200; k++) await reused.run({ args: [`f${k}`, 'x'] });
    reused.reset();
    expect(reused.stats().glueEntries).toBe(baseline);
    // Without the reset the same runs leave handles behind (the guard traps first
    // on commands, so count entries after one run, before any reset).
    const once = await ReusableInstance.create(fixture('files'), { dirs: { '/data': {} }, preview1: 'adapter' });
    await once.run({ args: ['a', 'x'] });
    expect(once.stats().glueEntries).toBeGreaterThan(baseline);
  });
});

describe('resource handles', () => {
  /** The glue's handle tables (handle -> rep slots) after the last run, by table. */
  function handleTables(inst: ReusableInstance): Record<string, number[]> {
    const { get } = (inst as unknown as { live: { parts: { bindings: { get: Record<string, () => unknown> } } } }).live.parts.bindings;
    return Object.fromEntries(Object.keys(get).filter((n) => /^handleTable\d+$/.test(n)).map((n) => [n, [...(get[n]!() as number[])]]));
  }

  it('a reused instance hands out the same handle numbers as a fresh one, run after run', async () => {
    const options = { dirs: { '/data': { 'a.txt': 'x' } }, preview1: 'adapter' as const };
    const fresh = await ReusableInstance.create(fixture('files'), options);
    await fresh.run({ args: ['b.txt', 'y'] });
    const expected = handleTables(fresh);
    expect(Object.values(expected).some((t) => t.length > 2)).toBe(true); // the run did create handles
    const reused = await ReusableInstance.create(fixture('files'), options);
    for (let k = 0; k < 50; k++) {
      await reused.run({ args: ['b.txt', 'y'] });
      expect(handleTables(reused), `after run ${k + 1}`).toEqual(expected);
    }
  });
});
