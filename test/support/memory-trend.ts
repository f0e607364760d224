// Host memory sampled after a full collection, and the least-squares slope
// of a series: a leak of a few hundred bytes per run is invisible next to a
// fixed slack on RSS, but it is a steady positive slope per run.

export interface MemorySample { run: number; heapBytes: number; rssBytes: number }

/** Collects garbage (the test workers run with --expose-gc) and samples host memory. */
export function sampleMemory(run: number): MemorySample {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('global gc() is missing: run the tests with --expose-gc (vitest.config.ts execArgv)');
  gc();
  gc();
  const m = process.memoryUsage();
  // Buffers live outside the JS heap: count them with it.
  return { run, heapBytes: m.heapUsed + m.external, rssBytes: m.rss };
}

/** Least-squares slope of y over x. */
export function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) throw new Error('a slope needs at least two points');
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return sxy / sxx;
}

/** Bytes per run by which heap and RSS grew, fitted over the samples. */
export function growthPerRun(samples: MemorySample[]) {
  return {
    heap: slope(samples.map((s) => ({ x: s.run, y: s.heapBytes }))),
    rss: slope(samples.map((s) => ({ x: s.run, y: s.rssBytes }))),
  };
}
