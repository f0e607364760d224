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
