// The core promise: the k-th run on one reused instance is what a fresh
// instance gives, and the trap it replaces is real.
import { describe, expect, it } from 'vitest';
import { ReusableInstance, type CreateOptions, type RunOptions } from '../src/index.js';
import { fixture, fresh, observed, type Fixture } from './helpers.js';
import { scaled } from './support/scale.js';

const RUNS = scaled(1000, 20);

describe('without reset (strategy none)', () => {
  it('reproduces the trap of a second run on one instance', async () => {
    const inst = await ReusableInstance.create(fixture('hello'), { strategy: 'none' });
    const first = await inst.run();
    expect(first.exitCode).toBe(0);
    expect(first.stdout.toString()).toBe('hello from wasi-rewind\n');
    const second = await inst.run();
    expect(second.exitCode).toBeNull();
    expect(second.trap?.message).toMatch(/unreachable/);
  });

  it('leaks state between runs when the guest has no run-once guard', async () => {
    // state.wat's _start has no guard: a second run completes, on leftover state.
    const reference = await fresh('state', {}, {});
    const inst = await ReusableInstance.create(fixture('state'), { strategy: 'none' });
    expect(observed(await inst.run())).toEqual(reference.result);
    const second = observed(await inst.run());
    expect(second.exitCode).toBe(0);
    expect(second.trap).toBeUndefined();
    // The private global counts on (g=2), the table slot is still set (n=0)
    // and memory has grown past what a fresh run sees (p).
    const fields = (s: string) => Object.fromEntries(s.trim().split(' ').map((kv) => kv.split('=')));
    const [want, got] = [fields(reference.result.stdout), fields(second.stdout)];
    expect(want).toMatchObject({ g: '1', n: '1', z: '0' });
    expect(got).toMatchObject({ g: '2', n: '0', z: '0' });
    expect(Number(got.p)).toBeGreaterThan(Number(want.p));
  });
});

const cases: [Fixture, CreateOptions, RunOptions][] = [
  ['hello', {}, {}],
  ['echo', { env: { HOME: '/home/guest' } }, { args: ['one', 'two words', ''], env: { A: '1', B: 'x=y' } }],
  ['cat', {}, { stdin: 'line one\nline two\n'.repeat(500) }],
  ['counter', {}, {}],
  ['grow', {}, { args: ['6'] }],
  ['files', { dirs: { '/data': { 'a.txt': 'hello', sub: { 'b.bin': new Uint8Array([0, 1, 2]) } } } }, { args: ['new.txt', 'written'] }],
  ['exit', {}, { args: ['0'] }],
  ['exit', {}, { args: ['3'] }],
  ['faults', {}, { args: ['unreachable'] }],
  ['state', {}, {}],
];

describe('snapshot reuse matches a fresh instance', () => {
  it.each(cases)(`%s: ${RUNS} runs equal a fresh run`, async (name, options, run) => {
    const reference = await fresh(name, options, run);
    const inst = await ReusableInstance.create(fixture(name), options);
    for (let k = 1; k <= RUNS; k++) {
      const r = await inst.run(run);
      // Full observed comparison every run; the complete file tree on a sample.
      expect(observed(r), `run ${k}`).toEqual(reference.result);
      if (k % 100 === 1 || k === RUNS) expect(inst.files(), `files after run ${k}`).toEqual(reference.files);
    }
  });

  it('restores exactly: every page equals the snapshot after each reset (verifyRestore)', async () => {
    for (const [name, options, run] of cases) {
      const inst = await ReusableInstance.create(fixture(name), { ...options, verifyRestore: true });
      for (let k = 0; k < 20; k++) await inst.run(run); // throws RestoreError on any untracked write
      inst.reset();
    }
  });

  it('rewinds statics, heap, private globals, tables and grown memory', async () => {
    const inst = await ReusableInstance.create(fixture('state'));
    const outs = new Set<string>();
    for (let k = 0; k < 50; k++) outs.add((await inst.run()).stdout.toString());
    expect([...outs]).toEqual([(await fresh('state', {}, {})).result.stdout]);
    expect([...outs][0]).toMatch(/^g=1 p=\d n=1 z=0\n$/);
  });
});

describe('per-run stdin', () => {
  // Explicit orders (not shuffled): a short input right after a longer one,
  // and a guest that stops reading before the end of its stdin (cgi reads at
  // most 65535 bytes), so a read position carried over from the previous run
  // shows in the output.
  const long = 'y\n'.repeat(5_000);
  const binary = new Uint8Array(70_000).map((_, i) => (i * 7) % 256);
  it.each([
    ['cat', [{ stdin: long }, { stdin: 'short' }, { stdin: binary }, {}, { stdin: 'short' }, { stdin: long }]],
    ['cgi', [
      { stdin: binary, env: { REQUEST_METHOD: 'POST', PATH_INFO: '/big' } },
      { stdin: binary, env: { REQUEST_METHOD: 'POST', PATH_INFO: '/big' } },
      { stdin: 'b=1', env: { REQUEST_METHOD: 'POST', PATH_INFO: '/small' } },
    ]],
  ] as [Fixture, RunOptions[]][])('%s: every run reads its own stdin from the start, as on a fresh instance', async (name, inputs) => {
    const expected = [];
    for (const input of inputs) expected.push((await fresh(name, {}, input)).result);
    const inst = await ReusableInstance.create(fixture(name));
    for (let round = 0; round < 2; round++) {
      for (const [k, input] of inputs.entries()) expect(observed(await inst.run(input)), `round ${round}, input ${k}`).toEqual(expected[k]);
    }
  });
});


describe('host callbacks', () => {
  it('run() from an onStdout callback is refused (REENTRANT_CALL); the outer run and the next equal fresh ones', async () => {
    const inst = await ReusableInstance.create(fixture('hello'));
    let inner: Promise<unknown> | undefined;
    const outer = await inst.run({ onStdout: () => { inner ??= inst.run().then(() => 'ran', (e: { code?: string }) => e.code); } });
    expect(await inner).toBe('REENTRANT_CALL');
    const want = (await fresh('hello', {}, {})).result;
    expect(observed(outer)).toEqual(want);
    expect(observed(await inst.run())).toEqual(want);
  });
});
