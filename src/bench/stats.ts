// Summary statistics of per-run timings.
export interface Summary {
  runs: number;
  runsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  meanResetMs: number;
}

export function summarise(latenciesMs: number[], resetMs: number[], totalMs: number): Summary {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return {
    runs: latenciesMs.length,
    runsPerSec: latenciesMs.length / (totalMs / 1000),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    meanResetMs: resetMs.reduce((a, b) => a + b, 0) / Math.max(1, resetMs.length),
  };
}

/**
 * A fresh-instance baseline's timed loop: 20 warm-up runs, then `runs` runs
 * of `once` (which returns its instantiation time), summarised.
 */
export function timeFreshRuns(runs: number, once: () => number): Summary {
  for (let i = 0; i < Math.min(20, runs); i++) once();
  const latencies: number[] = [];
  const instantiations: number[] = [];
  const start = performance.now();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    instantiations.push(once());
    latencies.push(performance.now() - t0);
  }
  return summarise(latencies, instantiations, performance.now() - start);
}

/**
 * The protocol of a baseline child process: a serialized workload on stdin,
 * one JSON line (the measurement, or `{ error }`) on stderr, since the
 * program under test owns stdout.
 */
export async function answerParent<W>(measure: (w: W) => Promise<unknown>): Promise<void> {
  const { deserialize } = await import('node:v8');
  let line: string;
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    line = JSON.stringify(await measure(deserialize(Buffer.concat(chunks)) as W));
  } catch (e) {
    line = JSON.stringify({ error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  }
  process.stderr.write(`${line}\n`);
}
