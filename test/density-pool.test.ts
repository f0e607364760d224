// A pool's workers share compiled modules and snapshot images: runs on every
// worker still equal fresh instances, and the images the first worker built
// are the ones the pool hands to the others.
import { afterAll, describe, expect, it } from 'vitest';
import { RewindPool } from '../src/index.js';
import { fixture, fresh } from './helpers.js';

describe('pool sharing', () => {
  const pools: RewindPool[] = [];
  afterAll(() => Promise.all(pools.map((p) => p.close())));

  it('post-init snapshot shared by 3 workers: every run equals a fresh instance', async () => {
    const pool = await RewindPool.create(fixture('sieve'), { workers: 3, instance: { init: 'wizer.initialize', verifyRestore: true } });
    pools.push(pool);
    expect(pool.stats().sharedImages).toBe(1);
    const reference = (await fresh('sieve', {}, { args: ['5000'] })).result;
    const results = await Promise.all(Array.from({ length: 12 }, () => pool.run({ args: ['5000'] })));
    for (const r of results) expect(Buffer.from(r.stdout).toString('latin1')).toBe(reference.stdout);
  });

  it('memoryTracking scan reaches the workers: runs equal a fresh instance', async () => {
    const pool = await RewindPool.create(fixture('sieve'), { workers: 2, instance: { init: 'wizer.initialize', memoryTracking: 'scan', verifyRestore: true } });
    pools.push(pool);
    const reference = (await fresh('sieve', {}, { args: ['3000'] })).result;
    const results = await Promise.all(Array.from({ length: 6 }, () => pool.run({ args: ['3000'] })));
    for (const r of results) expect(Buffer.from(r.stdout).toString('latin1')).toBe(reference.stdout);
    // The bounds mode is the workers' own: 'unchecked' shows its one deviation (specs/semantics.md), 'real' does not.
    for (const [boundsChecks, trapped] of [['unchecked', false], ['real', true]] as const) {
      const hostile = await RewindPool.create(fixture('faults').replace('faults', 'hostile-mem'), { workers: 1, instance: { memoryTracking: 'scan', boundsChecks } });
      pools.push(hostile);
      await hostile.run({ args: ['grow-write'] });
      const above = await hostile.run({ args: ['read-above'] });
      expect(above.trap !== undefined, boundsChecks).toBe(trapped);
      if (!trapped) expect(Buffer.from(above.stdout).toString()).toBe('0\n');
    }
  });

  it('a native program handed to the workers prepared: argv[0] is still the file name, as on a fresh instance', async () => {
    const pool = await RewindPool.create(fixture('echo'), { workers: 2 });
    pools.push(pool);
    const reference = (await fresh('echo', {}, { args: ['a', 'b'] })).result;
    expect(reference.stdout).toMatch(/^arg\[0\]=echo\.wasm\n/);
    const results = await Promise.all(Array.from({ length: 4 }, () => pool.run({ args: ['a', 'b'] })));
    for (const r of results) expect(Buffer.from(r.stdout).toString('latin1')).toBe(reference.stdout);
  });

  it('a component pool (adapter) shares too, and a replaced worker serves like the others', async () => {
    const pool = await RewindPool.create(fixture('faults'), { workers: 2, timeoutMs: 1500, instance: { preview1: 'adapter', verifyRestore: true } });
    pools.push(pool);
    expect(pool.stats().sharedImages).toBeGreaterThanOrEqual(1);
    const reference = (await fresh('faults', { preview1: 'adapter' }, { args: ['none'] })).result;
    await expect(pool.run({ args: ['spin'] })).rejects.toThrow(/exceeded/);
    const results = await Promise.all(Array.from({ length: 6 }, () => pool.run({ args: ['none'] })));
    for (const r of results) expect({ exitCode: r.exitCode, stdout: Buffer.from(r.stdout).toString('latin1') }).toEqual({ exitCode: reference.exitCode, stdout: reference.stdout });
  });
});
