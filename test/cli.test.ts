// The `rewind` command line: `run` as a user runs it (a subprocess: output
// streamed, exit code propagated), `bench` end to end on a real component
// (few runs: this checks the tool, not the speed) and the report it writes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { InvalidOptionsError, ReusableInstance } from '../src/index.js';
import type { BenchReport } from '../src/bench/report.js';
import { NODE_WASI_MODE, SHIM_MODE } from '../src/bench/wasip1-baselines.js';
import { fixture } from './helpers.js';

const bin = new URL('../bin/rewind.js', import.meta.url).pathname;
const rewind = (args: string[], input?: string) => spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8' });

describe('rewind run', () => {
  it('runs N times on one instance, streams output, passes args, env and stdin', () => {
    const r = rewind(['run', fixture('echo'), '--times', '2', '--env', 'K=v', '--', 'a', 'b c']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('arg[0]=echo.wasm\narg[1]=a\narg[2]=b c\nenv:K=v\n'.repeat(2));
    const cat = rewind(['run', fixture('cat'), '--times', '3'], 'piped');
    expect(cat.stdout).toBe('piped'.repeat(3));
    expect(cat.stderr).toBe('read 5 bytes\n'.repeat(3));
  });

  it('saves a snapshot file and starts from it (the init does not run again)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rewind-cli-')), 'sieve.snap');
    const saved = rewind(['run', fixture('sieve'), '--init', 'wizer.initialize', '--save-snapshot', file, '--', '100']);
    expect(saved.stdout).toBe('primes below 100: 25\n');
    const loaded = rewind(['run', fixture('sieve'), '--snapshot', file, '--times', '2', '--', '1000']);
    expect(loaded.status).toBe(0);
    expect(loaded.stdout).toBe('primes below 1000: 168\n'.repeat(2));
    expect(loaded.stderr).toBe('sieve built in this run: no\n'.repeat(2));
    expect(rewind(['run', fixture('hello'), '--snapshot', file]).stderr).toMatch(/different component/);
  });

  it('takes the memory modes; a snapshot file saved with marks loads into a scanning instance and an auto one', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rewind-cli-')), 'sieve.snap');
    expect(rewind(['run', fixture('sieve'), '--init', 'wizer.initialize', '--save-snapshot', file, '--', '100']).status).toBe(0);
    const scan = rewind(['run', fixture('sieve'), '--snapshot', file, '--times', '3', '--memory-tracking', 'scan', '--bounds-checks', 'real', '--', '1000']);
    expect(scan.status).toBe(0);
    expect(scan.stdout).toBe('primes below 1000: 168\n'.repeat(3));
    const bad = rewind(['run', fixture('hello'), '--bounds-checks', 'real']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/INVALID_OPTIONS[\s\S]*boundsChecks "real" and "unchecked" need memoryTracking "scan"/);
    const unchecked = rewind(['run', fixture('sieve'), '--times', '2', '--memory-tracking', 'scan', '--bounds-checks', 'unchecked', '--', '1000']);
    expect(unchecked.stdout).toBe('primes below 1000: 168\n'.repeat(2));
    const auto = rewind(['run', fixture('sieve'), '--snapshot', file, '--times', '3', '--memory-tracking', 'auto', '--', '1000']);
    expect(auto.stdout).toBe('primes below 1000: 168\n'.repeat(3));
    expect(rewind(['run', fixture('hello'), '--memory-tracking', 'pages']).stderr).toMatch(/INVALID_OPTIONS[\s\S]*memoryTracking/);
  });

  it('propagates the exit code, and reports traps (134) without dying', () => {
    expect(rewind(['run', fixture('exit'), '--', '3']).status).toBe(3);
    const none = rewind(['run', fixture('hello'), '--times', '2', '--strategy', 'none']);
    expect(none.status).toBe(134);
    expect(none.stderr).toMatch(/run 2 trapped: .*unreachable/);
    const missing = rewind(['run', '/no/such.wasm']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot read \/no\/such.wasm/);
  });
});

describe('rewind bench', () => {
  it('measures all modes side by side and writes JSON and an HTML chart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rewind-bench-'));
    const json = join(dir, 'r.json');
    const html = join(dir, 'r.html');
    let printed = '';
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => ((printed += chunk), true)) as typeof process.stdout.write;
    try {
      expect(await main(['bench', fixture('hello'), '--runs', '200', '--json', json, '--html', html])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    const report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
    // A wasip1 module also gets the light fresh-instance baselines (node:wasi may be a skipped row).
    const light = [NODE_WASI_MODE, SHIM_MODE];
    expect(report.measurements.map((m) => m.mode).filter((m) => !light.includes(m))).toEqual([
      'fresh jco instance per run (preview2-shim)', 'fresh instance per run (our host)', 'snapshot reuse, auto memory mode (wasi-rewind)',
      'snapshot reuse, scan + real bounds (wasi-rewind)', 'snapshot reuse, memory scan (wasi-rewind)', 'snapshot reuse (wasi-rewind)',
    ]);
    expect(report.measurements.map((m) => m.mode)).toContain(SHIM_MODE);
    for (const m of report.measurements) {
      expect(m.runsPerSec).toBeGreaterThan(0);
      expect(m.p99Ms).toBeGreaterThanOrEqual(m.p50Ms);
    }
    expect(report.measurements.find((m) => m.mode === 'snapshot reuse (wasi-rewind)')!.runs).toBe(200);
    expect(printed).toMatch(/\| hello\.wasm \| snapshot reuse \(wasi-rewind\) +\| \d/);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<svg');
    expect(page.match(/<rect /g)?.length).toBe(report.measurements.length);
  });

  it('rejects bad flags with a readable message and exit code 2', async () => {
    let err = '';
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => ((err += chunk), true)) as typeof process.stderr.write;
    try {
      expect(await main(['bench', fixture('hello'), '--runs', 'many'])).toBe(2);
      expect(await main(['run', fixture('hello'), '--dir', 'nocolons'])).toBe(2);
      expect(await main(['frobnicate'])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(err).toMatch(/--runs must be a whole number/);
    expect(err).toMatch(/use --dir HOST_DIR::\/GUEST_PATH/);
    expect(err).toMatch(/unknown command "frobnicate"/);
  });
});

describe('errors are typed and reported in one line', () => {
  const noStack = /\n\s+at /;

  it('the CLI prints `rewind: CODE: message`, exit code 2, never a stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rewind-cli-'));
    const cases: [string[], RegExp][] = [
      [['serve', fixture('hello'), '--port', '70000'], /^rewind: INVALID_OPTIONS: invalid flags:\n  - port: --port is out of range \(0-65535\)/],
      [['serve', fixture('hello'), '--port', 'http'], /port: --port must be a whole number/],
      [['run', fixture('hello'), '--save-snapshot', join(dir, 'missing', 'x.snap')], /^rewind: SNAPSHOT_FILE: cannot write snapshot file .*missing\/x\.snap/],
      [['run', fixture('hello'), '--snapshot-key-file', join(dir, 'nokey')], /^rewind: INVALID_OPTIONS: .*--snapshot-key-file: cannot read/s],
      [['run', fixture('hello'), '--times', '0'], /--times must be at least 1/],
      [['run', '/no/such.wasm'], /^rewind: INVALID_WASM: cannot read \/no\/such.wasm/],
    ];
    for (const [args, message] of cases) {
      const r = rewind(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr, args.join(' ')).not.toMatch(noStack);
    }
  });

  it('the API rejects a bad input or bad runSync options with InvalidOptionsError', async () => {
    await expect(ReusableInstance.create(123 as never)).rejects.toThrow(InvalidOptionsError);
    const inst = await ReusableInstance.create(fixture('hello'));
    expect(() => inst.runSync({ args: 'x' } as never)).toThrow(InvalidOptionsError);
    expect(() => inst.runSync({ stdin: 5 } as never)).toThrow(InvalidOptionsError);
    expect(inst.runSync({}).stdout.toString()).toBe('hello from wasi-rewind\n');
  });

  it('a saved snapshot key file authenticates the snapshot from the command line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rewind-cli-'));
    const key = join(dir, 'key');
    writeFileSync(key, 'a key of at least sixteen bytes\n');
    const snap = join(dir, 'hello.snap');
    expect(rewind(['run', fixture('hello'), '--save-snapshot', snap, '--snapshot-key-file', key]).status).toBe(0);
    expect(rewind(['run', fixture('hello'), '--snapshot', snap, '--snapshot-key-file', key]).stdout).toBe('hello from wasi-rewind\n');
    expect(rewind(['run', fixture('hello'), '--snapshot', snap]).stderr).toMatch(/^rewind: SNAPSHOT_FILE: snapshot file is authenticated with a key/);
  });
});
