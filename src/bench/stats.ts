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

/** The middle value (the mean of the two middle ones for an even count). */
export const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Least wall time every mode warms up for: V8 tiers a large module's hot functions up over seconds. */
const WARM_MS = 4000;
const WARM_MAX_RUNS = 20_000;

/**
 * Runs `once` at least `minRuns` times and then until WARM_MS have passed
 * (at most WARM_MAX_RUNS runs), so that every mode is timed with optimised
 * code: a 26 MB module (CPython) still runs partly unoptimised for its
 * first ~25 runs on a 2-core machine, and a count alone would time that.
 */
export function warmUp(minRuns: number, once: () => void): void {
  const start = performance.now();
  for (let i = 0; i < minRuns || (i < WARM_MAX_RUNS && performance.now() - start < WARM_MS); i++) once();
}

/** `runs` runs of `once` (which returns its instantiation time), summarised. */
export function timeRuns(runs: number, once: () => number): Summary {
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

/** warmUp over `once`, timing each run: returns the warm-up's median ms per run (what sizes a host's windows). */
export function warmUpTimed(minRuns: number, once: () => void): number {
  const latencies: number[] = [];
  warmUp(minRuns, () => {
    const t0 = performance.now();
    once();
    latencies.push(performance.now() - t0);
  });
  return median(latencies);
}

/** A fresh-instance baseline's timed loop: a warm-up (at least 20 runs), then timeRuns. */
export function timeFreshRuns(runs: number, once: () => number): Summary {
  warmUp(Math.min(20, runs), once);
  return timeRuns(runs, once);
}
