// `rewind bench` as a user runs it: from any directory (the baseline child
// finds tsx through the package), on a program that calls exit(n) (the
// preview2-shim baseline's process.exit ends the run, not the child), and a
// typed error naming the cause when the baseline cannot run a program;
// workloads with big in-memory trees reach the baseline child.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { measureJco } from '../src/bench/jco-baseline.js';
import type { BenchReport } from '../src/bench/report.js';
import { NODE_WASI_MODE, SHIM_MODE } from '../src/bench/wasip1-baselines.js';
import { BenchError } from '../src/index.js';
import { AUTO_MODE, REUSE_MODE, SCAN_MODE, SCAN_REAL_MODE } from '../src/bench/measure.js';
import { fixture } from './helpers.js';

const bin = new URL('../bin/rewind.js', import.meta.url).pathname;

describe('rewind bench', () => {
  it('runs outside the project directory, on a program that exits 3 on every run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rewind-bench-cwd-'));
    const json = join(dir, 'r.json');
    const r = spawnSync(process.execPath, [bin, 'bench', fixture('exit'), '--runs', '40', '--json', json, '--', '3'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
    // A wasip1 module also gets the light fresh-instance baselines (node:wasi may be a skipped row).
    const light = [NODE_WASI_MODE, SHIM_MODE];
    expect(report.measurements.map((m) => m.mode).filter((m) => !light.includes(m))).toEqual([
      report.baselineMode, 'fresh instance per run (our host)', AUTO_MODE, SCAN_REAL_MODE, SCAN_MODE, REUSE_MODE,
    ]);
    expect(report.measurements.map((m) => m.mode)).toContain(SHIM_MODE);
    for (const m of report.measurements) expect(m.runs).toBeGreaterThan(0);
  });

  it('a mode the program cannot run is a "not measured" row: real bounds on a component', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rewind-bench-component-'));
    const json = join(dir, 'r.json');
    const r = spawnSync(process.execPath, [bin, 'bench', fixture('hello-component'), '--runs', '20', '--json', json], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
    expect(report.measurements.map((m) => m.mode)).toEqual(expect.arrayContaining([SCAN_MODE, REUSE_MODE]));
    expect(report.measurements.map((m) => m.mode)).not.toContain(SCAN_REAL_MODE);
    expect(report.skipped).toEqual([
      { program: 'hello-component.wasm', mode: SCAN_REAL_MODE, reason: expect.stringMatching(/is for wasip1 commands on the native preview1 path/) },
      { program: 'hello-component.wasm', mode: AUTO_MODE, reason: expect.stringMatching(/switches modes on the native preview1 path only/) },
    ]);
    expect(r.stdout).toContain(`not measured: hello-component.wasm under ${SCAN_REAL_MODE}`);
  });

  it('the baseline takes workloads with megabytes of in-memory files (structured-cloned over the IPC channel, not argv)', async () => {
    const big = new Uint8Array(3 << 20).fill(7);
    const m = await measureJco({ program: 'files', file: fixture('files'), args: ['out.txt', 'x'], options: { dirs: { '/data': { 'big.bin': big, sub: { 'a.txt': 'a' } } } } }, 3);
    expect(m.runs).toBe(3);
  });

  it('a baseline that cannot run is a BenchError with its cause', async () => {
    const err = await measureJco({ program: 'missing', file: join(tmpdir(), 'no-such-program.wasm') }, 5).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BenchError);
    expect((err as BenchError).code).toBe('BENCH_FAILED');
    expect((err as Error).message).toMatch(/cannot run missing: .*no-such-program/);
  });
});
