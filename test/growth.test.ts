// Nothing may grow run to run: guest memory size, real memory size and the
// glue's handle tables stay where a fresh instance has them.
import { describe, expect, it } from 'vitest';
import { ReusableInstance } from '../src/index.js';
import { fixture } from './helpers.js';

describe('no growth across runs', () => {
  it.each([
    ['hello', [] as string[]],
    ['grow', ['4']],
    ['state', []],
  ] as const)('%s: 10,000 runs keep memory and glue tables flat', async (name, args) => {
    const inst = await ReusableInstance.create(fixture(name));
    inst.reset();
    const initial = inst.stats();
    await inst.run({ args: [...args] });
    inst.reset();
    const afterOne = inst.stats();
    for (let k = 0; k < 10_000; k++) {
      const r = inst.runSync({ args: [...args] });
      if (r.exitCode !== 0) throw new Error(`run ${k} failed: ${r.trap?.message ?? r.exitCode}`);
    }
    inst.reset();
    const after = inst.stats();
    expect(after.memoryPages).toEqual(initial.memoryPages);
    expect(after.glueEntries).toBe(initial.glueEntries);
    // The real memory grew once (first run) and is then reused, never again.
    expect(after.realMemoryBytes).toEqual(afterOne.realMemoryBytes);
  });

  it('handle tables filled by runs are emptied by the reset', async () => {
    const reused = await ReusableInstance.create(fixture('files'), { dirs: { '/data': {} } });
    const baseline = reused.stats().glueEntries;
    for (let k = 0; k < 200; k++) await reused.run({ args: [`f${k}`, 'x'] });
    reused.reset();
    expect(reused.stats().glueEntries).toBe(baseline);
    // Without the reset the same runs leave handles behind (the guard traps first
    // on commands, so count entries after one run, before any reset).
    const once = await ReusableInstance.create(fixture('files'), { dirs: { '/data': {} } });
    await once.run({ args: ['a', 'x'] });
    expect(once.stats().glueEntries).toBeGreaterThan(baseline);
  });
});
