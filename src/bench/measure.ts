// Runs one program N times under one strategy and summarises throughput,
// latency (reset or instantiation included), reset cost and memory.
import { BenchError } from '../errors.js';
import { ReusableInstance } from '../instance.js';
import type { CreateOptions, Strategy } from '../options.js';
import { Progress } from './progress.js';
import { summarise, warmUp, type Summary } from './stats.js';

export interface Measurement extends Summary {
  program: string;
  mode: string;
  /** Guest memory bytes at the end (snapshot strategy: real size incl. the dirty map). */
  wasmMemoryBytes: number | null;
  rssMiB: number;
}

export interface Workload {
  program: string;
  file: string;
  options?: CreateOptions;
  args?: string[];
  stdin?: string;
}

/** The reused mode with default options: what the breakdown measures. */
export const REUSE_MODE = 'snapshot reuse (wasi-rewind)';
export const SCAN_MODE = 'snapshot reuse, memory scan (wasi-rewind)';
export const SCAN_REAL_MODE = 'snapshot reuse, scan + real bounds (wasi-rewind)';
export const AUTO_MODE = 'snapshot reuse, auto memory mode (wasi-rewind)';
export const OUR_FRESH_MODE = 'fresh instance per run (our host)';

/** Each mode's strategy and the options it adds to the workload's. */
export const MODES: Record<string, { strategy: Strategy; options?: CreateOptions }> = {
  [OUR_FRESH_MODE]: { strategy: 'reinstantiate' },
  [REUSE_MODE]: { strategy: 'snapshot' },
  [SCAN_MODE]: { strategy: 'snapshot', options: { memoryTracking: 'scan' } },
  [SCAN_REAL_MODE]: { strategy: 'snapshot', options: { memoryTracking: 'scan', boundsChecks: 'real' } },
  [AUTO_MODE]: { strategy: 'snapshot', options: { memoryTracking: 'auto' } },
};

/** The reused modes, which the comparison tables set against every fresh host. */
export const REUSE_MODES = Object.keys(MODES).filter((m) => MODES[m]!.strategy === 'snapshot');

export async function measure(w: Workload, mode: string, runs: number): Promise<Measurement> {
  // init and afterRestore are snapshot features; a fresh instance runs the program as it is.
  const { init, afterRestore, ...plain } = w.options ?? {};
  const { strategy, options } = MODES[mode]!;
  const inst = await ReusableInstance.create(w.file, { ...(strategy === 'snapshot' ? w.options : plain), ...options, strategy });
  const input = { args: w.args, stdin: w.stdin };
  // Warm-up: let the JIT optimise the glue, the host and the guest before timing.
  warmUp(Math.min(2000, Math.ceil(runs / 5)), () => check(inst.runSync(input), w));
  const latencies: number[] = [];
  const resets: number[] = [];
  const progress = new Progress(`${w.program}: ${mode}`, runs);
  const start = performance.now();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = inst.runSync(input);
    latencies.push(performance.now() - t0);
    resets.push(r.resetMs);
    check(r, w);
    progress.tick(i + 1);
  }
  const total = performance.now() - start;
  const stats = inst.stats();
  return {
    program: w.program,
    mode,
    ...summarise(latencies, resets, total),
    wasmMemoryBytes: stats.realMemoryBytes[0] ?? null,
    rssMiB: process.memoryUsage().rss / 2 ** 20,
  };
}

/** A program may exit with any code (it does so on every run); a trap means the benchmark measures nothing useful. */
function check(r: { exitCode: number | null; trap?: { message: string } }, w: Workload): void {
  if (r.trap) throw new BenchError(`${w.program} trapped during the benchmark: ${r.trap.message}`);
}
