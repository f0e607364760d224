// Post-init snapshots: the init export named by the `init` option runs once
// after instantiation and the snapshot is taken after it. The oracle a
// reused run must equal is a fresh instance + the same init + the run
// (helpers.freshInitialised); the init sees a fixed world (argv[0], no
// environment, no stdin), and what it reads that a guest may cache is
// reported in `warnings`.
import { describe, expect, it } from 'vitest';
import { InstantiationError, InvalidOptionsError, ReusableInstance, type CreateOptions, type RunOptions } from '../src/index.js';
import { differential, fixture, fresh, freshInitialised, observed } from './helpers.js';

const world = fixture('init-world');
const inputs: RunOptions[] = [
  { env: { NAME: 'alice' } },
  { env: { NAME: 'bob', OTHER: '1' }, args: ['b'] },
  { args: ['x', 'y'] }, // exits 3
  {},
];
const line = (r: { stdout: string }, prefix: string) => r.stdout.split('\n').find((l) => l.startsWith(prefix));

describe('post-init snapshot', () => {
  it('no init unless named: a module exporting wizer.initialize runs as on a fresh instance', async () => {
    const inst = await ReusableInstance.create(world);
    expect(inst.initOutput).toBeNull();
    expect(inst.warnings).toEqual([]);
    const results = await differential(world, { clock: { virtual: {} }, random: { seed: 5 } }, inputs, 20);
    // main initialises itself with the run's environment, as a fresh instance does.
    expect(line(results[0]!.result, 'NAME cached at init')).toBe('NAME cached at init: alice');
  });

  it('reused runs equal a fresh instance + the same init + the run (virtual clock, seeded random)', async () => {
    const options: CreateOptions = { init: 'wizer.initialize', clock: { virtual: {} }, random: { seed: 5 }, verifyRestore: true };
    const results = await differential(world, options, inputs, 40, freshInitialised);
    // The init saw no environment; libc cached that, so runs see none either (on fresh instances too).
    for (const r of results) expect(line(r.result, 'NAME now')).toBe('NAME now: (unset)');
    // exit(3): 3 natively, 1 through the preview1 adapter (its exit takes a result).
    expect(results.map((r) => r.result.exitCode !== 0)).toEqual([false, false, true, false]);
    const inst = await ReusableInstance.create(world, options);
    expect(inst.initOutput?.stdout.toString()).toBe('init: NAME is (unset)\n');
    // Deterministic clocks and random: only the cached environment is worth a warning.
    expect(inst.warnings).toHaveLength(1);
    expect(inst.warnings[0]).toMatch(/environment.*getEnvironment/);
  });

  it('the init sees a fixed world, not the create-time args and env', async () => {
    const inst = await ReusableInstance.create(world, { init: 'wizer.initialize', env: { NAME: 'create-time' }, args: ['a'] });
    expect(inst.initOutput?.stdout.toString()).toBe('init: NAME is (unset)\n');
    expect(line(observed(await inst.run()), 'NAME cached at init')).toBe('NAME cached at init: (unset)');
  });

  it('warns when the init drew crypto random values or read real clocks, which stay frozen in every run', async () => {
    const inst = await ReusableInstance.create(world, { init: 'wizer.initialize' });
    expect(inst.warnings.join('\n')).toMatch(/random.*getRandomBytes/);
    expect(inst.warnings.join('\n')).toMatch(/clocks.*wall-clock/);
    const seeds = new Set<string | undefined>();
    for (let k = 0; k < 5; k++) seeds.add(line(observed(await inst.run()), 'seed from init'));
    expect(seeds.size).toBe(1); // the documented caveat: the init's seed is the snapshot's
    const freshSeeds = new Set<string | undefined>();
    for (let k = 0; k < 3; k++) freshSeeds.add(line((await freshInitialised(world, { init: 'wizer.initialize' }, [{}]))[0]!.result, 'seed from init'));
    expect(freshSeeds.size).toBe(3);
  });

  it('afterRestore refreshes what the init cached, before every run; results equal fresh + init + afterRestore + run', async () => {
    const reseeded = await ReusableInstance.create(world, { init: 'wizer.initialize', afterRestore: 'reseed' });
    const seeds = new Set<string | undefined>();
    for (let k = 0; k < 5; k++) seeds.add(line(observed(await reseeded.run()), 'seed from init'));
    expect(seeds.size).toBe(5);
    const options: CreateOptions = { init: 'wizer.initialize', afterRestore: 'refresh-env', clock: { virtual: {} }, random: { seed: 5 } };
    const results = await differential(world, options, inputs, 40, freshInitialised);
    expect(line(results[0]!.result, 'NAME now')).toBe('NAME now: alice');
    expect(line(results[1]!.result, 'NAME now')).toBe('NAME now: bob');
  });

  it('the sieve: runs start after the init; output equals a fresh instance that initialises itself', async () => {
    const reference = await fresh('sieve', {}, { args: ['1000000'] });
    expect(reference.result.stdout).toBe('primes below 1000000: 78498\n');
    expect(reference.result.stderr).toBe('sieve built in this run: yes\n');
    const inst = await ReusableInstance.create(fixture('sieve'), { init: 'wizer.initialize', verifyRestore: true });
    expect(inst.initOutput).not.toBeNull();
    expect(inst.warnings).toEqual([]);
    for (let k = 0; k < 10; k++) {
      const r = await inst.run({ args: ['1000000'] });
      expect(r.stdout.toString()).toBe(reference.result.stdout);
      expect(r.stderr.toString()).toBe('sieve built in this run: no\n');
    }
  });

  it('a named export that is missing is an InvalidOptionsError; an init that traps fails creation', async () => {
    await expect(ReusableInstance.create(fixture('hello'), { init: 'no-such-export' })).rejects.toThrow(InvalidOptionsError);
    await expect(ReusableInstance.create(fixture('hello'), { afterRestore: 'no-such-export' })).rejects.toThrow(/afterRestore: no core module/);
    await expect(ReusableInstance.create(fixture('hello'), { strategy: 'reinstantiate', afterRestore: 'reseed' })).rejects.toThrow(InvalidOptionsError);
    // _start as "init": it runs main once; a second _start in the first run then trips the run-once guard.
    const once = await ReusableInstance.create(fixture('hello'), { init: '_start' });
    expect(once.initOutput?.stdout.toString()).toBe('hello from wasi-rewind\n');
    expect((await once.run()).trap?.message).toMatch(/unreachable/);
    await expect(ReusableInstance.create(world, { init: 'trap' })).rejects.toThrow(InstantiationError);
  });
});
