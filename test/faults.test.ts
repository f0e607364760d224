// A run that traps or exits mid-way leaves the instance in any state; the
// reset before the next run must make that run identical to a fresh one,
// and nothing reaches the host process.
import { describe, expect, it } from 'vitest';
import { ReusableInstance } from '../src/index.js';
import { fixture, fresh, observed } from './helpers.js';

describe('faults mid-run, then reset', () => {
  it.each([
    ['faults', ['unreachable'], /unreachable/],
    ['faults', ['oob'], /out of bounds/],
    ['faults', ['div0'], /divide by zero/],
    ['faults', ['stack'], /out of bounds|call stack/], // shadow-stack overflow runs off linear memory
    ['recurse', [], /call stack exhausted/],
  ] as const)('%s %s traps and the next run is clean', async (name, args, message) => {
    const inst = await ReusableInstance.create(fixture(name), { verifyRestore: true });
    const clean = name === 'faults' ? (await fresh('faults', {}, { args: ['none'] })).result : undefined;
    for (let k = 0; k < 5; k++) {
      const bad = await inst.run({ args: [...args] });
      expect(bad.exitCode).toBeNull();
      expect(bad.trap?.kind).toBe('trap');
      expect(bad.trap?.message).toMatch(message);
      expect(bad.stdout.toString()).toMatch(/^(before|deep)/); // output before the fault is kept
      if (clean) expect(observed(await inst.run({ args: ['none'] }))).toEqual(clean);
    }
  });

  it('exit(n) mid-run is an exit code, and the next run starts clean', async () => {
    const inst = await ReusableInstance.create(fixture('exit'));
    const reference = await fresh('exit', {}, { args: ['0'] });
    for (let k = 0; k < 5; k++) {
      const r = await inst.run({ args: ['5'] });
      // The native preview1 path reports exit(n) exactly (the adapter would report 1).
      expect(r.exitCode).toBe(5);
      expect(r.stdout.toString()).toBe('exiting with 5\n');
      expect(observed(await inst.run({ args: ['0'] }))).toEqual(reference.result);
    }
  });

  it('a host import that throws is reported as a host error, and the next run is clean', async () => {
    let calls = 0;
    const inst = await ReusableInstance.create(fixture('hello'));
    const reference = await fresh('hello', {}, {});
    const r = await inst.run({
      onStdout: () => {
        calls++;
        throw new Error('sink failed');
      },
    });
    expect(calls).toBe(1);
    expect(r.exitCode).toBeNull();
    expect(r.trap).toEqual({ kind: 'host-error', message: 'Error: sink failed' });
    expect(observed(await inst.run())).toEqual(reference.result);
  });

  it('a memory limit makes allocation fail inside the guest (out of memory), then runs continue', async () => {
    const inst = await ReusableInstance.create(fixture('grow'), { maxMemoryMiB: 4, verifyRestore: true });
    const oom = await inst.run({ args: ['16'] });
    expect(oom.exitCode).toBe(3); // grow.c exits 3 on a failed malloc
    expect(oom.stderr.toString()).toMatch(/out of memory at \d MiB/);
    const ok = await inst.run({ args: ['2'] });
    expect(observed(ok)).toEqual((await fresh('grow', {}, { args: ['2'] })).result);
  });
});
