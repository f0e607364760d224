// Post-init snapshots: an exported init function (Wizer's `wizer.initialize`
// by default) runs once after instantiation and the snapshot is taken after
// it, so every run starts initialised, with output equal to a fresh run's.
import { describe, expect, it } from 'vitest';
import { InstantiationError, ReusableInstance } from '../src/index.js';
import { fixture, fresh } from './helpers.js';

describe('post-init snapshot', () => {
  it('runs start after the init; results equal a fresh instance that initialises itself', async () => {
    const reference = await fresh('sieve', {}, { args: ['1000000'] });
    expect(reference.result.stdout).toBe('primes below 1000000: 78498\n');
    expect(reference.result.stderr).toBe('sieve built in this run: yes\n');
    const inst = await ReusableInstance.create(fixture('sieve'), { verifyRestore: true });
    expect(inst.initOutput).not.toBeNull();
    for (let k = 0; k < 20; k++) {
      const r = await inst.run({ args: ['1000000'] });
      expect(r.stdout.toString()).toBe(reference.result.stdout);
      expect(r.stderr.toString()).toBe('sieve built in this run: no\n');
    }
  });

  it('init: false takes the snapshot before it (every run builds the sieve)', async () => {
    const inst = await ReusableInstance.create(fixture('sieve'), { init: false });
    expect(inst.initOutput).toBeNull();
    for (let k = 0; k < 3; k++) expect((await inst.run({ args: ['100'] })).stderr.toString()).toBe('sieve built in this run: yes\n');
  });

  it('a named init export that is missing is skipped; one that traps fails creation with a typed error', async () => {
    const skipped = await ReusableInstance.create(fixture('hello'), { init: 'no-such-export' });
    expect((await skipped.run()).exitCode).toBe(0);
    // _start as "init": it runs main once; a second _start in the first run then trips the run-once guard.
    const once = await ReusableInstance.create(fixture('hello'), { init: '_start' });
    expect(once.initOutput?.stdout.toString()).toBe('hello from wasi-rewind\n');
    expect((await once.run()).trap?.message).toMatch(/unreachable/);
    await expect(ReusableInstance.create(fixture('faults'), { init: '_start', args: ['unreachable'] })).rejects.toThrow(InstantiationError);
  });
});
