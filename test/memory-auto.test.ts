// memoryTracking 'auto' (src/backend/auto.ts, mode-chooser.ts): an instance
// that switches at rewinds between marks, scan and scan with real bounds must
// be exactly as faithful as each, at every kind of transition; and the
// chooser's policy, driven by simulated costs (no clock), must settle on
// the faster mode, keep its probes cheap, and not probe where it cannot win.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError, ReusableInstance, RewindPool, type CreateOptions } from '../src/index.js';
import { ModeChooser, type Variant } from '../src/backend/mode-chooser.js';
import { differential, fixture, freshInitialised } from './helpers.js';
import { COMPONENTS, MODE_CORPUS } from './support/mode-corpus.js';
import { build, observed, sameAsFresh } from './support/hostile-ops.js';
import { AUTO, PATTERN, switching } from './support/switching.js';

/** A program as the chooser sees it: per mode, a run's time, its restore's, and whether runs grow the memory. */
interface Costs { run: number; restore: number; grows: boolean }
type Program = (mode: Variant, cycle: number) => Costs;

/**
 * Drives a chooser through `cycles` rewinds of `program` (renewMs: what a
 * fresh instance costs); returns the modes run, the total time, and the
 * chooser.
 */
function simulate(program: Program, renewMs: number, cycles: number) {
  const chooser = new ModeChooser(renewMs);
  let mode: Variant = 'marks';
  let grew = false;
  let total = 0;
  const modes: Variant[] = [];
  for (let k = 0; k < cycles; k++) {
    const to = chooser.next(grew);
    // As src/backend/auto.ts: a switch, or 'real' after a growing cycle, is a fresh instance.
    const renewed = to !== mode || (to === 'real' && grew);
    const rewind = renewed ? renewMs : program(mode, k).restore;
    chooser.rewound(rewind, renewed, to);
    mode = to;
    const { run, grows } = program(mode, k);
    chooser.ran(run);
    total += rewind + run;
    grew = grows;
    modes.push(mode);
  }
  return { modes, total, chooser };
}

/** Total time of `cycles` cycles in one mode throughout. */
function fixed(program: Program, renewMs: number, cycles: number, mode: Variant): number {
  let total = 0;
  for (let k = 0; k < cycles; k++) {
    const { run, restore, grows } = program(mode, k);
    total += run + (mode === 'real' && grows ? renewMs : restore);
  }
  return total;
}

const costs = (marks: Costs, scan: Costs, real: Costs): Program => (mode) => ({ marks, scan, real })[mode];

describe('the chooser, on simulated programs', () => {
  it('a store-heavy program that grows every run (the sieve): real bounds win early and stay', () => {
    const sieve = costs({ run: 44, restore: 1, grows: true }, { run: 30, restore: 2, grows: true }, { run: 22, restore: 1.2, grows: true });
    const { modes, total, chooser } = simulate(sieve, 1, 500);
    expect(modes.indexOf('real')).toBeLessThan(15); // after a probe of scan, which wins over marks first
    expect(modes.slice(-100).filter((m) => m === 'real').length).toBeGreaterThanOrEqual(90);
    expect(total).toBeLessThan(1.1 * fixed(sieve, 1, 500, 'real'));
    expect(chooser.switches).toBeLessThan(40);
  });

  it('a large program whose runs stay in its memory (CPython): real bounds win after a few runs', () => {
    const python = costs({ run: 169, restore: 2, grows: false }, { run: 105, restore: 4, grows: false }, { run: 66, restore: 4, grows: false });
    const { modes, total } = simulate(python, 30, 1000);
    expect(modes.indexOf('real')).toBeLessThan(30); // after a probe of scan, which wins over marks first
    expect(total).toBeLessThan(1.05 * fixed(python, 30, 1000, 'real'));
  });

  it('a tiny run (hello): marks stay, and the probes of real cost under 6% over a million runs', () => {
    const hello = costs({ run: 0.003, restore: 0.0005, grows: false }, { run: 0.0028, restore: 0.012, grows: false }, { run: 0.0025, restore: 0.012, grows: false });
    const { modes, total, chooser } = simulate(hello, 0.05, 1_000_000);
    expect(modes.filter((m) => m !== 'marks').length).toBeLessThan(10_000);
    expect(total).toBeLessThan(1.06 * fixed(hello, 0.05, 1_000_000, 'marks'));
    expect(chooser.variant).toBe('marks');
  });

  it('a program that grows every run and is expensive to instantiate (pandoc): real bounds are never probed', () => {
    const pandoc = costs({ run: 19.6, restore: 0.5, grows: true }, { run: 19.5, restore: 3.5, grows: true }, { run: 19, restore: 1.5, grows: true });
    const { modes, total } = simulate(pandoc, 200, 2000);
    expect(modes).not.toContain('real');
    expect(total).toBeLessThan(1.06 * fixed(pandoc, 200, 2000, 'marks'));
  });

  it('a program that grows every run, is expensive to instantiate and stores much (Yosys): scan wins, real bounds are never probed', () => {
    const yosys = costs({ run: 2.4, restore: 0.05, grows: true }, { run: 1, restore: 0.5, grows: true }, { run: 0.9, restore: 0.5, grows: true });
    const { modes, total } = simulate(yosys, 10, 20000);
    expect(modes).not.toContain('real');
    expect(modes.slice(-1000).filter((m) => m === 'scan').length).toBeGreaterThanOrEqual(950);
    expect(total).toBeLessThan(1.06 * fixed(yosys, 10, 20000, 'scan'));
  });

  it('noise (a slow cycle now and then) does not make it flap between modes of equal speed', () => {
    const noisy: Program = (mode, k) => ({ run: (k % 17 === 0 ? 30 : 10) + (mode === 'marks' ? 0 : 0.3), restore: 0.2, grows: false });
    const { total, chooser } = simulate(noisy, 2, 5000);
    expect(chooser.switches).toBeLessThan(40);
    expect(total).toBeLessThan(1.05 * fixed(noisy, 2, 5000, 'marks'));
  });

  it('follows a change of workload: when marks become the faster mode, it goes back to them', () => {
    // The inputs change at cycle 300: from a store-heavy run to a short one.
    const changing: Program = (mode, k) => (k < 300
      ? { marks: { run: 40, restore: 1, grows: false }, scan: { run: 30, restore: 2, grows: false }, real: { run: 20, restore: 2, grows: false } }[mode]
      : { marks: { run: 1, restore: 0.05, grows: false }, scan: { run: 0.95, restore: 2, grows: false }, real: { run: 0.9, restore: 2, grows: false } }[mode]);
    const { modes } = simulate(changing, 3, 6000);
    expect(modes[299]).toBe('real');
    expect(modes.slice(-1000).filter((m) => m === 'marks').length).toBeGreaterThanOrEqual(950);
  });
});

const SWITCHING = { ...AUTO, verifyRestore: true };

describe('auto, switching at every kind of transition: reused runs equal fresh runs', () => {
  // Components stay in marks under 'auto' (checked below).
  it.each(MODE_CORPUS.filter(([name]) => !COMPONENTS.has(name)))('%s', async (name, options, inputs) => {
    await switching(() => differential(fixture(name), { ...options, ...SWITCHING }, inputs, 28, options.init ? freshInitialised : undefined));
  });

  it('switches where the pattern says, and each switch (or a real-bounds run after a growing one) runs on a new memory', async () => {
    const args = (k: number) => [k % 2 ? '4' : '1']; // MiB to allocate: every run grows the memory
    // The real memory a run of each size ends with, on a memory of the snapshot's size.
    const endBytes: Record<string, number> = {};
    for (const mib of ['1', '4']) {
      const one = await ReusableInstance.create(fixture('grow'));
      await one.run({ args: [mib] });
      endBytes[mib] = one.stats().realMemoryBytes[0]!;
    }
    expect(endBytes['4']).toBeGreaterThan(endBytes['1']!);
    const inst = await switching(() => ReusableInstance.create(fixture('grow'), SWITCHING));
    const modes: Variant[] = ['marks', ...PATTERN];
    let bytes = 0;
    for (const [k, mode] of modes.entries()) {
      await inst.run({ args: args(k) });
      const stats = inst.stats() as ReturnType<ReusableInstance['stats']> & { memoryMode: { mode: string; switches: number } };
      expect(stats.memoryMode.mode, `run ${k}`).toBe({ marks: 'marks', scan: 'scan', real: 'scan+real' }[mode]);
      const renewed = k > 0 && (mode !== modes[k - 1] || mode === 'real');
      bytes = renewed || k === 0 ? endBytes[args(k)[0]!]! : Math.max(bytes, endBytes[args(k)[0]!]!);
      expect(stats.realMemoryBytes[0], `run ${k} (${mode}, ${renewed ? 'new memory' : 'same memory'})`).toBe(bytes);
      expect(stats.memoryMode.switches).toBe(modes.slice(1, k + 1).filter((m, i) => m !== modes[i]).length);
    }
  });

  it('a snapshot file saved in the real-bounds mode after a growing run holds the snapshot', async () => {
    const MEM = build('hostile-mem');
    const inst = await switching(() => ReusableInstance.create(MEM, SWITCHING), ['real']);
    await inst.run({ args: ['grow-write'] });
    const file = join(mkdtempSync(join(tmpdir(), 'rewind-auto-snap-')), 'mem.snap');
    await inst.saveSnapshot(file);
    const fresh = await ReusableInstance.create(MEM, { strategy: 'reinstantiate' });
    // Loaded in marks, and in 'auto' switching again.
    const loaded = [
      await ReusableInstance.create(MEM, { snapshotFile: file, verifyRestore: true }),
      await switching(() => ReusableInstance.create(MEM, { ...SWITCHING, snapshotFile: file })),
    ];
    for (const a of ['read-above', 'grow-read', 'count', 'grow-write', 'read-above', 'count']) {
      const want = observed(await fresh.run({ args: [a] }));
      for (const inst of loaded) expect(observed(await inst.run({ args: [a] })), a).toEqual(want);
    }
  });
});

describe('auto where the instance cannot be replaced: it stays in marks, exactly', () => {
  it('start functions, an init that may change tables, components, the adapter path', async () => {
    const cases: [string, CreateOptions][] = [
      [build('start-fn'), {}],
      [build('state'), { init: '_start' }],
      [fixture('hello-component'), {}],
      [fixture('hello'), { preview1: 'adapter' }],
    ];
    for (const [file, options] of cases) {
      const inst = await switching(() => ReusableInstance.create(file, { ...SWITCHING, ...options }));
      // Fresh: a new instance per run, with the init where there is one (freshInitialised).
      const fresh = async () => observed(await (await ReusableInstance.create(file, options.init ? options : { ...options, strategy: 'reinstantiate' })).run());
      for (let i = 0; i < 4; i++) expect(observed(await inst.run()), `${file} run ${i}`).toEqual(await fresh());
      expect('memoryMode' in inst.stats(), file).toBe(false);
    }
  });

  it('auto chooses its own bounds checks: with boundsChecks real or unchecked it is refused', async () => {
    for (const boundsChecks of ['real', 'unchecked'] as const) {
      const err = await ReusableInstance.create(fixture('hello'), { memoryTracking: 'auto', boundsChecks }).catch((e) => e);
      expect(err).toBeInstanceOf(InvalidOptionsError);
      expect(String(err.message)).toMatch(/"auto" chooses its bounds checks itself/);
    }
  });
});

describe('auto with its own chooser', () => {
  it('runs a store-heavy program exactly, whichever modes its timing picks', async () => {
    const inputs = [{ args: ['200000'] }, { args: ['10'] }];
    await differential(fixture('sieve'), { memoryTracking: 'auto', verifyRestore: true }, inputs, 30);
  });

  it('a pool prepares both modes once and its workers run them', async () => {
    const pool = await RewindPool.create(fixture('grow'), { workers: 1, instance: { memoryTracking: 'auto' } });
    try {
      const fresh = await ReusableInstance.create(fixture('grow'), { strategy: 'reinstantiate' });
      const want = observed(await fresh.run({ args: ['2'] }));
      for (let i = 0; i < 6; i++) {
        const r = await pool.run({ args: ['2'] });
        expect({ exitCode: r.exitCode, stdout: Buffer.from(r.stdout).toString('hex') }).toEqual({ exitCode: want.exitCode, stdout: want.stdout });
      }
    } finally {
      await pool.close();
    }
  });
});
