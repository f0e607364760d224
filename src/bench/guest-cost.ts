// What isolation costs: guest run time on a reused (rewritten: bounds
// checks against the virtual size, store tracking) instance against a fresh
// UNINSTRUMENTED one (jco's output as is), and the memory restore of a
// 64 MiB memory with one dirtied 64 KiB page.
import { CHUNKS_PER_PAGE, DEFAULT_MEMORY_MODE, EXPORT_VBYTES, EXPORT_VPAGES, PAGE } from '../rewrite/info.js';
import { TrackedMemory } from '../memory/tracked-memory.js';
import { ReusableInstance, type CreateOptions, type RunOptions } from '../index.js';
import { median } from './stats.js';

export interface GuestCostRow {
  program: string;
  /** A fresh, uninstrumented instance (jco's output, or the wasip1 module as is on the native path). */
  freshMs: number;
  /** The first run of a fresh instance of the rewritten modules: same memory state, instrumented code. */
  freshRewrittenMs: number;
  /** Later runs on one reused instance (its memory pages are already touched). */
  reusedMs: number;
  /** reusedMs against freshMs: what a reused run's guest code costs against a fresh uninstrumented run. */
  slowdownPct: number;
}

export interface GuestCost {
  rows: GuestCostRow[];
  /** Mean TrackedMemory.restore() of a 64 MiB memory after one dirtied page. */
  restore64MiBOnePageUs: number;
  /** The same, memory restore alone, for 10 dirtied pages spread over the memory. */
  restore64MiBTenPagesUs: number;
}

export interface GuestWorkload { program: string; file: string; run: RunOptions; options?: CreateOptions; runs: number }

/** Median guest time of the first run of new instances (durationMs: the run only). */
async function firstRunMs(w: GuestWorkload, strategy: 'reinstantiate' | 'snapshot', runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const inst = await ReusableInstance.create(w.file, { ...w.options, strategy });
    const t = (await inst.run(w.run)).durationMs;
    if (i > 0) times.push(t); // the first one compiles
  }
  return median(times);
}

/** Median guest time (durationMs: the run only, no reset or instantiation) per mode. */
async function guestMs(w: GuestWorkload, strategy: 'reinstantiate' | 'snapshot'): Promise<number> {
  const inst = await ReusableInstance.create(w.file, { ...w.options, strategy });
  await inst.run(w.run); // warm-up: compile tiers, caches
  const times: number[] = [];
  for (let i = 0; i < w.runs; i++) times.push((await inst.run(w.run)).durationMs);
  return median(times);
}

function restoreUs(pages: number[], repeat: number): number {
  const mem = new TrackedMemory({ imported: null, initialPages: 1024, maxPages: 1024, mode: DEFAULT_MEMORY_MODE }, 1024);
  const memory = new WebAssembly.Memory({ initial: 1024 });
  const vpages = new WebAssembly.Global({ value: 'i32', mutable: true }, 1024);
  const vbytes = new WebAssembly.Global({ value: 'i64', mutable: true }, 1024n * BigInt(PAGE));
  mem.attach({ [EXPORT_VPAGES]: vpages, [EXPORT_VBYTES]: vbytes }, memory);
  mem.snapshot();
  const bytes = new Uint8Array(memory.buffer);
  let total = 0;
  for (let i = 0; i < repeat + 100; i++) {
    for (const p of pages) {
      bytes.fill(i & 0xff, p * PAGE, (p + 1) * PAGE);
      mem.markRange(p * PAGE, PAGE);
    }
    const t0 = performance.now();
    const n = mem.restore();
    const t = performance.now() - t0;
    if (n !== pages.length * (CHUNKS_PER_PAGE + 1)) throw new Error(`restored ${n} chunks`);
    if (i >= 100) total += t;
  }
  return (total / repeat) * 1000;
}

export async function measureGuestCost(workloads: GuestWorkload[]): Promise<GuestCost> {
  const rows: GuestCostRow[] = [];
  for (const w of workloads) {
    const freshMs = await guestMs(w, 'reinstantiate');
    const freshRewrittenMs = await firstRunMs(w, 'snapshot', Math.max(3, Math.ceil(w.runs / 2)));
    const reusedMs = await guestMs(w, 'snapshot');
    rows.push({ program: w.program, freshMs, freshRewrittenMs, reusedMs, slowdownPct: (reusedMs / freshMs - 1) * 100 });
  }
  return {
    rows,
    restore64MiBOnePageUs: restoreUs([500], 2000),
    restore64MiBTenPagesUs: restoreUs([3, 100, 200, 300, 400, 500, 600, 700, 800, 1000], 500),
  };
}

export function guestCostTable(cost: GuestCost): string {
  const f = (n: number) => n.toFixed(n >= 100 ? 0 : 2);
  const lines = [
    '| guest program | fresh, uninstrumented ms (p50) | first run of a fresh rewritten instance ms (p50) | reused, rewritten ms (p50) | reused vs fresh uninstrumented |',
    '|---|---|---|---|---|',
    ...cost.rows.map((r) => `| ${r.program} | ${f(r.freshMs)} | ${f(r.freshRewrittenMs)} | ${f(r.reusedMs)} | ${r.slowdownPct >= 0 ? '+' : ''}${r.slowdownPct.toFixed(1)}% |`),
    '',
    `memory restore, 64 MiB memory, 1 dirtied page: ${cost.restore64MiBOnePageUs.toFixed(2)} us; 10 pages: ${cost.restore64MiBTenPagesUs.toFixed(2)} us`,
  ];
  return lines.join('\n') + '\n';
}
