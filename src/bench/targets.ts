// The speed targets, measured in alternating rounds. The machine's speed
// drifts in phases of seconds (2x on a shared 2-core machine), and the main
// table measures each mode in one stretch, so a ratio there can set a fast
// phase against a slow one. Here every round times the reused hello, its
// fresh baselines (jco in a child process that serves every round, browser_wasi_shim) and the
// component hello back to back; each ratio is taken within one round and
// the report gives the median round and the range.
import { BenchError } from '../errors.js';
import { ReusableInstance } from '../instance.js';
import { startJco } from './jco-baseline.js';
import { Progress } from './progress.js';
import type { Workload } from './measure.js';
import { median, summarise, timeRuns, warmUp } from './stats.js';
import { browserShimRun } from './wasip1-baselines.js';

export interface TargetFiles {
  /** The C hello, a wasip1 command. */
  hello: string;
  /** A component hello with no adapter. */
  component: string;
}

/** One round's medians, microseconds per run. */
export interface TargetRound {
  helloUs: number;
  componentUs: number;
  jcoUs: number;
  shimUs: number;
}

/**
 * Runs per round of each host. The machine's phases also show in a plain
 * JavaScript loop copying 4 KiB blocks (0.72 against 1.1 us), not in one
 * that only computes: they are its memory system's. So each host's share
 * of a round should span about the same time (a few tenths of a second),
 * or a short window would catch one phase where a long one averages them.
 */
export interface TargetSizes {
  rounds: number;
  helloRuns: number;
  componentRuns: number;
  jcoRuns: number;
  shimRuns: number;
}

/**
 * Reused runs timed together: two clock reads per run would add ~80 ns, 7% of a
 * reused hello, to what is measured; per batch they add under 1 ns per run.
 */
const BATCH = 100;

/** One timed window of a warmed reused instance: its median run (the median batch's mean), us. */
function window(inst: ReusableInstance, runs: number): number {
  const batches = new Array<number>(Math.ceil(runs / BATCH));
  const start = performance.now();
  for (let b = 0; b < batches.length; b++) {
    const t0 = performance.now();
    for (let i = 0; i < BATCH; i++) {
      const r = inst.runSync();
      if (r.exitCode !== 0) throw new BenchError(`the target workload exited with ${r.exitCode}${r.trap ? ` (${r.trap.message})` : ''}`);
    }
    batches[b] = (performance.now() - t0) / BATCH;
  }
  return summarise(batches, [], performance.now() - start).p50Ms * 1000;
}

export async function measureTargets(files: TargetFiles, sizes: TargetSizes): Promise<TargetRound[]> {
  const hello = await ReusableInstance.create(files.hello);
  const component = await ReusableInstance.create(files.component);
  for (const inst of [hello, component]) warmUp(2000, () => inst.runSync());
  const w: Workload = { program: 'hello (C)', file: files.hello };
  const rounds: TargetRound[] = [];
  const progress = new Progress('speed targets: rounds', sizes.rounds);
  // One jco child and one browser_wasi_shim setup serve every round (each warmed up once, as the reused instances are).
  const shim = await browserShimRun(w).catch((e: Error) => {
    throw new BenchError(`browser_wasi_shim cannot run hello: ${e.message}`);
  });
  warmUp(20, shim);
  const jco = await startJco(w);
  try {
    for (let r = 0; r < sizes.rounds; r++) {
      const helloUs = window(hello, sizes.helloRuns);
      const jcoUs = (await jco.window(sizes.jcoRuns)).p50Ms * 1000;
      const shimUs = timeRuns(sizes.shimRuns, shim).p50Ms * 1000;
      const componentUs = window(component, sizes.componentRuns);
      rounds.push({ helloUs, componentUs, jcoUs, shimUs });
      progress.tick(r + 1);
    }
  } finally {
    jco.close();
  }
  return rounds;
}

export interface TargetLine { target: string; values: number[]; met: (v: number) => boolean; unit: string }

/** The four targets of the speed issue, each as its per-round values. */
export function targetLines(rounds: TargetRound[]): TargetLine[] {
  return [
    { target: 'hello on a reused instance <= 5 us', values: rounds.map((r) => r.helloUs), met: (v) => v <= 5, unit: ' us' },
    { target: 'hello >= 15x a fresh browser_wasi_shim instance', values: rounds.map((r) => r.shimUs / r.helloUs), met: (v) => v >= 15, unit: 'x' },
    { target: 'hello >= 400x a fresh jco instance', values: rounds.map((r) => r.jcoUs / r.helloUs), met: (v) => v >= 400, unit: 'x' },
    { target: 'component hello (WAT) <= 8 us per call', values: rounds.map((r) => r.componentUs), met: (v) => v <= 8, unit: ' us' },
  ];
}

const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

/** A plain-text report: the rounds, then each target's median round, range and verdict (by the median). */
export function targetsTable(rounds: TargetRound[]): string {
  const rows = [['round', 'hello reused us', 'jco fresh us', 'browser_wasi_shim fresh us', 'component reused us']];
  rounds.forEach((r, i) => rows.push([String(i + 1), fmt(r.helloUs), fmt(r.jcoUs), fmt(r.shimUs), fmt(r.componentUs)]));
  let out = rows.map((r) => `| ${r.join(' | ')} |`).join('\n') + '\n\n';
  for (const t of targetLines(rounds)) {
    const m = median(t.values);
    const met = t.values.filter(t.met).length;
    out += `${t.target}: median ${fmt(m)}${t.unit} (rounds ${fmt(Math.min(...t.values))}-${fmt(Math.max(...t.values))}${t.unit}), `
      + `${t.met(m) ? 'met' : 'not met'} (met in ${met} of ${t.values.length} rounds)\n`;
  }
  return out;
}
