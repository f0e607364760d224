// The bench's wasip1 baselines and per-run breakdown on a real program:
// browser_wasi_shim and node:wasi run the hello module (or node:wasi's crash
// is reported as a skipped row), the breakdown's phases are measured from a
// reused instance that still produces hello's output, and the report shows
// the reused instance against every fresh host; the targets' rounds time
// every host of a round. Counts and shapes only: no timed assertions
// (speed is `npm run bench`).
import { describe, expect, it } from 'vitest';
import { measureBreakdown } from '../src/bench/breakdown.js';
import { comparisons, htmlReport, textTable } from '../src/bench/report.js';
import { isCoreModule, measureBrowserShim, measureNodeWasi, NODE_WASI_MODE, SHIM_MODE } from '../src/bench/wasip1-baselines.js';
import { AUTO_MODE, OUR_FRESH_MODE, REUSE_MODE, SCAN_MODE } from '../src/bench/measure.js';
import { JCO_MODE } from '../src/bench/jco-baseline.js';
import { BaselineChild, ChildFailed, childScript } from '../src/bench/child-protocol.js';
import { measureSideBySide, ratios, sideBySideTable, type SideBySide } from '../src/bench/side-by-side.js';
import { measureTargets, targetsTable } from '../src/bench/targets.js';
import { median } from '../src/bench/stats.js';
import { ReusableInstance } from '../src/index.js';
import { fixture } from './helpers.js';

const hello = { program: 'hello', file: fixture('hello') };

describe('bench baselines and breakdown', () => {
  it('tells wasip1 modules from components', async () => {
    expect(await isCoreModule(fixture('hello'))).toBe(true);
    expect(await isCoreModule(fixture('js-wordfreq'))).toBe(false);
  });

  it('browser_wasi_shim runs hello on a fresh instance per run', async () => {
    const r = await measureBrowserShim(hello, 30);
    if (!('measurement' in r)) throw new Error(r.skipped.reason);
    expect(r.measurement).toMatchObject({ program: 'hello', mode: SHIM_MODE, runs: 30 });
  });

  it('a program browser_wasi_shim cannot run becomes a skipped row with the reason', async () => {
    // faults.wasm traps on purpose (`unreachable`).
    const r = await measureBrowserShim({ program: 'faults', file: fixture('faults'), args: ['unreachable'] }, 5);
    expect(r).toMatchObject({ skipped: { program: 'faults', mode: SHIM_MODE } });
  });

  it('node:wasi runs hello in a child process, or its crash is reported', async () => {
    const r = await measureNodeWasi(hello, 30);
    if ('measurement' in r) expect(r.measurement).toMatchObject({ program: 'hello', mode: NODE_WASI_MODE, runs: 30 });
    else expect(r.skipped.reason).toMatch(/crashed|failed/);
  });

  it('the breakdown times a reused instance whose runs are still those of hello', async () => {
    const b = await measureBreakdown(hello, 50);
    expect(b.runs).toBe(50);
    // hello calls fd_write (and proc_exit or not): at least one JS import per run.
    expect(b.importCallsPerRun).toBeGreaterThanOrEqual(1);
    for (const v of [b.totalUs, b.resetUs, b.importsUs, b.guestUs]) expect(v).toBeGreaterThanOrEqual(0);
    // The timing wrappers are gone once the instance exists: a new instance is not wrapped.
    const inst = await ReusableInstance.create(fixture('hello'));
    const fresh = await ReusableInstance.create(fixture('hello'), { strategy: 'reinstantiate' });
    expect(inst.runSync().stdout.toString()).toBe(fresh.runSync().stdout.toString());
  });

  it('a targets round times the reused hello, its fresh hosts and the component hello', async () => {
    const rounds = await measureTargets({ hello: fixture('hello'), component: fixture('hello-component') }, { rounds: 1, helloRuns: 100, componentRuns: 100, jcoRuns: 5, shimRuns: 5 });
    expect(rounds).toHaveLength(1);
    for (const v of Object.values(rounds[0]!)) expect(v).toBeGreaterThan(0);
  });

  it('the targets report judges each target by its median round and counts the rounds that met it', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    const round = (helloUs: number, jcoUs: number) => ({ helloUs, jcoUs, shimUs: 100, componentUs: 9 });
    const text = targetsTable([round(4, 2000), round(6, 1800), round(4.5, 1700)]);
    expect(text).toContain('hello on a reused instance <= 5 us: median 4.5 us (rounds 4.0-6.0 us), met (met in 2 of 3 rounds)');
    expect(text).toContain('hello >= 400x a fresh jco instance: median 378x (rounds 300-500x), not met (met in 1 of 3 rounds)');
    expect(text).toContain('hello >= 15x a fresh browser_wasi_shim instance: median 22.2x (rounds 16.7-25.0x), met (met in 3 of 3 rounds)');
    expect(text).toContain('component hello (WAT) <= 8 us per call: median 9.0 us (rounds 9.0-9.0 us), not met (met in 0 of 3 rounds)');
  });

  it('side by side: every round times the reused hello and every fresh host', async () => {
    const s = await measureSideBySide(hello, { rounds: 2, windowMs: 1 });
    expect(s.reusedMode).toBe(AUTO_MODE);
    expect(s.rounds).toHaveLength(2);
    // node:wasi has crashed the process on some Node lines: then it is a skipped row, not a figure.
    const nodeWasi = s.skipped.some((k) => k.mode === NODE_WASI_MODE) ? [] : [NODE_WASI_MODE];
    expect(s.skipped.filter((k) => k.mode !== NODE_WASI_MODE)).toEqual([]);
    for (const r of s.rounds) {
      expect(r.reusedMs).toBeGreaterThan(0);
      expect(Object.keys(r.freshMs).sort()).toEqual([OUR_FRESH_MODE, SHIM_MODE, JCO_MODE, ...nodeWasi].sort());
      for (const v of Object.values(r.freshMs)) expect(v).toBeGreaterThan(0);
    }
  });

  it('side by side on a component: our fresh host and jco (the wasip1 hosts run core modules only)', async () => {
    const s = await measureSideBySide({ program: 'hello-component', file: fixture('hello-component') }, { rounds: 1, windowMs: 1 });
    expect(s.reusedMode).toBe(REUSE_MODE);
    expect(Object.keys(s.rounds[0]!.freshMs).sort()).toEqual([OUR_FRESH_MODE, JCO_MODE].sort());
  });

  it('the side-by-side verdict takes the median round per fresh host and names a slower one', () => {
    const s = (program: string, rounds: [number, number, number][]): SideBySide => ({
      program, reusedMode: AUTO_MODE, skipped: [{ program, mode: JCO_MODE, reason: 'cannot transpile' }],
      rounds: rounds.map(([reusedMs, wasi, ours]) => ({ reusedMs, freshMs: { [NODE_WASI_MODE]: wasi, [OUR_FRESH_MODE]: ours } })),
    });
    const fast = s('fast', [[1, 2, 3], [1, 4, 3], [2, 2, 3]]);
    expect(ratios(fast).get(NODE_WASI_MODE)).toEqual([2, 4, 1]);
    // One round below 1x does not make a verdict: the median round does.
    const slow = s('slow', [[10, 9, 20], [10, 11, 20], [10, 8, 20]]);
    const text = sideBySideTable([fast, slow]);
    expect(text).toContain('| fast | snapshot reuse, auto memory mode (wasi-rewind) | 1.00 | 2.00x (1.00-4.00x) | not measured | 3.00x (1.50-3.00x) | not measured |');
    expect(text).toContain('| slow | snapshot reuse, auto memory mode (wasi-rewind) | 10.0 | 0.90x (0.80-1.10x) slower |');
    expect(text).toContain('not measured: fast under fresh jco instance per run (preview2-shim): cannot transpile');
    expect(text).toContain('no workload slower than a fresh instance (median round, every fresh host): not met: slow against fresh node:wasi instance per run (0.90x)');
    expect(sideBySideTable([fast])).toContain('every fresh host): met');
    const html = htmlReport({ date: '', node: '', baselineMode: JCO_MODE, measurements: [], sideBySide: [slow] });
    expect(html).toContain('<h2>Side by side in alternating rounds</h2>');
    expect(html).toContain('not met: slow against fresh node:wasi instance per run (0.90x)');
  });

  it('a baseline child that crashes or cannot run the program is a ChildFailed with the reason', async () => {
    const crash = await BaselineChild.start(['-e', 'process.kill(process.pid, "SIGSEGV")'], hello).catch((e: unknown) => e);
    expect(crash).toBeInstanceOf(ChildFailed);
    expect((crash as Error).message).toBe('crashed (SIGSEGV)');
    const missing = await BaselineChild.start(childScript('node-wasi-child'), { program: 'missing', file: '/no/such/program.wasm' }, ['--no-warnings']).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ChildFailed);
    expect((missing as Error).message).toMatch(/no\/such\/program\.wasm/);
  });

  it('the report sets the reused instance against every fresh host', () => {
    const m = (mode: string, runsPerSec: number) => ({ program: 'p', mode, runs: 1, runsPerSec, p50Ms: 1 / runsPerSec * 1000, p99Ms: 1, meanResetMs: 0, wasmMemoryBytes: null, rssMiB: 1 });
    const report = {
      date: '', node: '', baselineMode: 'jco',
      measurements: [m('jco', 10), m(SHIM_MODE, 100), m(REUSE_MODE, 1000), m(SCAN_MODE, 50)],
      skipped: [{ program: 'p', mode: NODE_WASI_MODE, reason: 'crashed (SIGSEGV) during 20 fresh instances' }],
      breakdown: [{ program: 'p', runs: 1, totalUs: 5, resetUs: 1, hostBeginEndUs: 1, importsUs: 2, guestUs: 1, importCallsPerRun: 3 }],
    };
    expect(comparisons(report)).toEqual([
      { program: 'p', mode: REUSE_MODE, reusedP50Us: 1000, vsFresh: { jco: 100, [SHIM_MODE]: 10 } },
      { program: 'p', mode: SCAN_MODE, reusedP50Us: 20000, vsFresh: { jco: 5, [SHIM_MODE]: 0.5 } },
    ]);
    const text = textTable(report);
    expect(text).toContain('crashed (SIGSEGV)');
    expect(text).toContain('import calls/run');
    expect(text).toMatch(/\| p +\| snapshot reuse, memory scan \(wasi-rewind\) +\| 20000 +\| 5\.0x +\| 0\.5x \(slower\) +\|/);
    expect(htmlReport(report)).toContain('Reused against every fresh host');
  });
});
