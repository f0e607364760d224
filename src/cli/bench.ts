// `rewind bench`: one program, every strategy side by side in one process
// (the plain-jco baseline in a child process, see bench/jco-baseline.ts).
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { z } from 'zod';
import { JCO_MODE, measureJco } from '../bench/jco-baseline.js';
import { MODES, measure, type Measurement, type Workload } from '../bench/measure.js';
import { htmlReport, textTable, type BenchReport } from '../bench/report.js';
import { strategiesCommand } from '../bench/strategies.js';
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

/** Measures every workload in every mode; fresh modes get fewer runs (they are ~100x slower). */
export async function runBench(workloads: Workload[], runs: number, freshRuns = Math.max(20, Math.ceil(runs / 20))): Promise<BenchReport> {
  const measurements: Measurement[] = [];
  for (const w of workloads) {
    // Reuse first: the fresh modes leave garbage (dead instances) that would
    // tax its garbage collections. The jco baseline runs in its own process.
    const reuse = Object.keys(MODES).filter((m) => MODES[m] === 'snapshot');
    const fresh = Object.keys(MODES).filter((m) => MODES[m] !== 'snapshot');
    const ours: Measurement[] = [];
    for (const mode of reuse) ours.push(await measure(w, mode, runs));
    for (const mode of fresh) ours.push(await measure(w, mode, freshRuns));
    measurements.push(await measureJco(w, freshRuns), ...ours.reverse());
  }
  return { date: new Date().toISOString(), node: process.version, measurements, baselineMode: JCO_MODE };
}
