// `rewind bench`: one program, every strategy side by side in one process
// (the plain-jco baseline in a child process, see bench/jco-baseline.ts).
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { z } from 'zod';
import { JCO_MODE, measureJco } from '../bench/jco-baseline.js';
import { measureBreakdown, type Breakdown } from '../bench/breakdown.js';
import { AUTO_MODE, MODES, REUSE_MODES, measure, type Measurement, type Workload } from '../bench/measure.js';
import { isCoreModule, measureBrowserShim, measureNodeWasi, type BaselineResult, type Skipped } from '../bench/wasip1-baselines.js';
import { htmlReport, textTable, type BenchReport } from '../bench/report.js';
import { strategiesCommand } from '../bench/strategies.js';
import { BenchError, InvalidOptionsError } from '../errors.js';
import type { benchFlags } from './flags.js';

export async function benchCommand(flags: z.output<typeof benchFlags>): Promise<number> {
  if (flags.strategies) return strategiesCommand(flags);
  const workload: Workload = {
    program: basename(flags.file),
    file: flags.file,
    args: flags.args,
    options: {
      dirs: Object.fromEntries(flags.dir.map((d) => [d.guest, d.host])),
      ...(flags.init ? { init: flags.init } : {}),
      ...(flags.afterRestore ? { afterRestore: flags.afterRestore } : {}),
    },
  };
  const report = await runBench([workload], flags.runs);
  process.stdout.write(textTable(report));
  if (flags.json) await writeFile(flags.json, JSON.stringify(report, null, 2));
  if (flags.html) await writeFile(flags.html, htmlReport(report));
  return 0;
}

/** memoryTracking 'auto' switches only where the instance can be replaced: a component (the adapter path included) runs it as the default mode. */
const AUTO_ELSEWHERE = 'memoryTracking "auto" switches modes on the native preview1 path only; a component runs in the default marks mode (measured above)';

/**
 * Measures every workload in every mode; fresh modes get fewer runs (they
 * are ~100x slower). A wasip1 module is also run under the lightest fresh
 * hosts (wasip1-baselines.ts). Then an instrumented pass of the reused mode
 * gives the per-run breakdown.
 */
export async function runBench(workloads: Workload[], runs: number, freshRuns = Math.max(20, Math.ceil(runs / 20))): Promise<BenchReport> {
  const measurements: Measurement[] = [];
  const skipped: Skipped[] = [];
  const breakdown: Breakdown[] = [];
  for (const w of workloads) {
    const core = await isCoreModule(w.file);
    // Reuse first: the fresh modes leave garbage (dead instances) that would
    // tax its garbage collections. The jco baseline runs in its own process.
    const fresh = Object.keys(MODES).filter((m) => !REUSE_MODES.includes(m));
    const ours: Measurement[] = [];
    for (const mode of REUSE_MODES) {
      if (mode === AUTO_MODE && !(core && w.options?.preview1 !== 'adapter')) {
        skipped.push({ program: w.program, mode, reason: AUTO_ELSEWHERE });
        continue;
      }
      try {
        ours.push(await measure(w, mode, runs));
      } catch (e) {
        // A mode this program cannot run (boundsChecks 'real' is for wasip1 commands) is a skipped row.
        if (!(e instanceof InvalidOptionsError)) throw e;
        skipped.push({ program: w.program, mode, reason: e.issues.join('; ') });
      }
    }
    for (const mode of fresh) ours.push(await measure(w, mode, freshRuns));
    // browser_wasi_shim runs in this process, after ours for the same reason; node:wasi in a child.
    const light: BaselineResult[] = core ? [await measureNodeWasi(w, freshRuns), await measureBrowserShim(w, freshRuns)] : [];
    for (const r of light) {
      if ('measurement' in r) measurements.push(r.measurement);
      else skipped.push(r.skipped);
    }
    // A program the plain-jco baseline cannot run (e.g. jco cannot transpile it) is a skipped row.
    try {
      measurements.push(await measureJco(w, freshRuns));
    } catch (e) {
      if (!(e instanceof BenchError)) throw e;
      skipped.push({ program: w.program, mode: JCO_MODE, reason: e.message });
    }
    measurements.push(...ours.reverse());
    breakdown.push(await measureBreakdown(w, Math.max(20, Math.min(runs, 2000))));
  }
  return { date: new Date().toISOString(), node: process.version, measurements, baselineMode: JCO_MODE, skipped, breakdown };
}
