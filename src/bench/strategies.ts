// `rewind bench --strategies`: one program, one input set, every way of
// getting a clean instance for the next call side by side: host snapshot,
// the guest's own reset (when the component exports one), a fresh instance
// per call, reuse without any reset, and the snapshot under each reset
// policy other than 'always' (rewind every N calls, only after a trap, never). Per strategy: creation time, call
// latency p50/p99 (reset included, after a warm-up), reset cost, process
// memory growth over the timed calls, and fidelity: each
// call's outcome compared with the same input on a fresh instance of its
// own (the oracle), naming the first difference.
// Clocks are virtual and random seeded in every strategy and in the oracle,
// so that outputs are comparable byte for byte.
import { writeFile } from 'node:fs/promises';
import type { z } from 'zod';
import type { benchFlags } from '../cli/flags.js';
import { BenchError, WrongWorldError } from '../errors.js';
import { ReusableInstance, type RunResult } from '../instance.js';
import type { CreateOptions, RunOptions, Strategy } from '../options.js';
import { formatPolicy, type ResetPolicy } from '../reactor/policy.js';
import { summarise } from './stats.js';

export interface StrategyRow {
  strategy: Strategy;
  /** The reset policy, when not 'always' (snapshot rows only). */
  policy?: string;
  /** Why the strategy was not measured (e.g. no reset export). */
  skipped?: string;
  calls?: number;
  createMs?: number;
  p50Ms?: number;
  p99Ms?: number;
  meanResetMs?: number;
  rssDeltaMiB?: number;
  heapDeltaMiB?: number;
  /** 'identical', or the first call that differs from a fresh instance and how. */
  fidelity?: string;
}

export interface StrategiesInput {
  file: string;
  options: CreateOptions;
  /** The input set; calls cycle through it. */
  inputs: Omit<RunOptions, 'stdin'>[];
  calls: number;
}

interface Plan { strategy: Strategy; reset?: ResetPolicy }
const PLANS: Plan[] = [
  { strategy: 'snapshot' },
  { strategy: 'snapshot', reset: { every: 2 } },
  { strategy: 'snapshot', reset: 'on-trap' },
  { strategy: 'snapshot', reset: 'never' },
  { strategy: 'guest' },
  { strategy: 'reinstantiate' },
  { strategy: 'none' },
];

/** A row's name: the strategy, and its reset policy when not the default. */
export const rowName = (r: StrategyRow) => (r.policy ? `${r.strategy}, reset ${r.policy}` : r.strategy);
const DETERMINISTIC: CreateOptions = { clock: { virtual: {} }, random: { seed: 1 } };

interface Outcome { exitCode: number | null; stdout: string; stderr: string; trap?: string }

function outcome(r: RunResult): Outcome {
  const o: Outcome = { exitCode: r.exitCode, stdout: r.stdout.toString('latin1'), stderr: r.stderr.toString('latin1') };
  if (r.trap) o.trap = r.trap.message;
  return o;
}

/** How `got` differs from `want`, or null. */
export function firstDifference(want: Outcome, got: Outcome): string | null {
  if (want.trap !== got.trap) return `trap: ${got.trap ?? 'none'} (fresh: ${want.trap ?? 'none'})`;
  if (want.exitCode !== got.exitCode) return `exit code ${got.exitCode} (fresh: ${want.exitCode})`;
  for (const stream of ['stdout', 'stderr'] as const) {
    const a = want[stream], b = got[stream];
    if (a === b) continue;
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    return `${stream} byte ${i}: ${JSON.stringify(b.slice(i, i + 24))} (fresh: ${JSON.stringify(a.slice(i, i + 24))})`;
  }
  return null;
}

function planFor({ strategy, reset }: Plan, options: CreateOptions): CreateOptions {
  // init and afterRestore are snapshot features; the other strategies run the program as it is.
  const { init, afterRestore, ...plain } = options;
  return { ...(strategy === 'snapshot' ? options : plain), ...DETERMINISTIC, strategy, ...(reset ? { reset } : {}) };
}

export async function benchStrategies(input: StrategiesInput): Promise<StrategyRow[]> {
  const oracle: Outcome[] = [];
  for (const run of input.inputs) {
    const fresh = await ReusableInstance.create(input.file, planFor({ strategy: 'reinstantiate' }, input.options));
    oracle.push(outcome(fresh.runSync(run)));
  }
  const rows: StrategyRow[] = [];
  const gc = (globalThis as { gc?: () => void }).gc;
  const warm = Math.min(50, Math.ceil(input.calls / 5));
  for (const plan of PLANS) {
    const { strategy } = plan;
    const name = plan.reset ? { strategy, policy: formatPolicy(plan.reset) } : { strategy };
    let inst: ReusableInstance;
    const t0 = performance.now();
    try {
      inst = await ReusableInstance.create(input.file, planFor(plan, input.options));
    } catch (e) {
      if (e instanceof WrongWorldError) { rows.push({ ...name, skipped: e.message }); continue; }
      throw e;
    }
    const createMs = performance.now() - t0;
    const latencies: number[] = [];
    const resets: number[] = [];
    let fidelity: string | null = null;
    let before = process.memoryUsage();
    let start = 0;
    // The warm-up calls count for fidelity (a reuse problem shows on call 2), not for timing.
    for (let i = 0; i < warm + input.calls; i++) {
      if (i === warm) {
        gc?.();
        before = process.memoryUsage();
        start = performance.now();
      }
      const k = i % input.inputs.length;
      const t = performance.now();
      const r = inst.runSync(input.inputs[k]!);
      if (i >= warm) {
        latencies.push(performance.now() - t);
        resets.push(r.resetMs);
      }
      if (!fidelity) {
        const diff = firstDifference(oracle[k]!, outcome(r));
        if (diff) fidelity = `call ${i + 1}: ${diff}`;
      }
    }
    const s = summarise(latencies, resets, performance.now() - start);
    gc?.();
    const after = process.memoryUsage();
    rows.push({
      ...name, calls: s.runs, createMs, p50Ms: s.p50Ms, p99Ms: s.p99Ms, meanResetMs: s.meanResetMs,
      rssDeltaMiB: (after.rss - before.rss) / 2 ** 20, heapDeltaMiB: (after.heapUsed - before.heapUsed) / 2 ** 20,
      fidelity: fidelity ?? 'identical',
    });
  }
  return rows;
}

export function strategiesTable(rows: StrategyRow[]): string {
  const head = ['strategy', 'calls', 'create ms', 'p50 ms', 'p99 ms', 'reset ms', 'RSS +MiB', 'heap +MiB', 'fidelity vs fresh instance'];
  const body = rows.map((r) => r.skipped
    ? [rowName(r), '-', '-', '-', '-', '-', '-', '-', `skipped: ${r.skipped}`]
    : [rowName(r), String(r.calls), r.createMs!.toFixed(1), r.p50Ms!.toFixed(4), r.p99Ms!.toFixed(4), r.meanResetMs!.toFixed(4), r.rssDeltaMiB!.toFixed(1), r.heapDeltaMiB!.toFixed(1), r.fidelity!]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return `${[line(head), ...body.map(line)].join('\n')}\n`;
}

/** The CLI side: the program's args as the one input, `--runs` calls per strategy. */
export async function strategiesCommand(flags: z.output<typeof benchFlags>): Promise<number> {
  const rows = await benchStrategies({
    file: flags.file,
    options: {
      dirs: Object.fromEntries(flags.dir.map((d) => [d.guest, d.host])),
      args: flags.args,
      ...(flags.init ? { init: flags.init } : {}),
      ...(flags.afterRestore ? { afterRestore: flags.afterRestore } : {}),
    },
    inputs: [{}],
    calls: flags.runs,
  });
  process.stdout.write(strategiesTable(rows));
  if (flags.json) {
    try {
      await writeFile(flags.json, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, file: flags.file, args: flags.args, rows }, null, 2)}\n`);
    } catch (e) {
      throw new BenchError(`cannot write ${flags.json}: ${(e as Error).message}`);
    }
  }
  return 0;
}
