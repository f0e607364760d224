// "No workload slower than a fresh instance", measured side by side. The
// main table times each mode in one stretch, and the machine's speed moves
// 2x between phases of seconds, so a ratio there can set a fast phase
// against a slow one (targets.ts has the same problem for hello). Here, per
// workload, the reused instance and every fresh host (ours, browser_wasi_shim,
// node:wasi and jco, the last two in child processes that stay up between
// rounds) are warmed up, then timed in alternating rounds: each round gives
// every host one window of about the same wall time, in a rotating order,
// and each ratio is taken within its round. The verdict is the median round.
import { BenchError } from '../errors.js';
import { ReusableInstance } from '../instance.js';
import { ChildFailed, type BaselineChild } from './child-protocol.js';
import { JCO_MODE, startJco } from './jco-baseline.js';
import { AUTO_MODE, MODES, OUR_FRESH_MODE, REUSE_MODE, type Workload } from './measure.js';
import { median, timeRuns, warmUpTimed } from './stats.js';
import { browserShimRun, isCoreModule, NODE_WASI_MODE, SHIM_MODE, startNodeWasi, type Skipped } from './wasip1-baselines.js';

/** A host timed in windows: each window runs it `runs` times and gives the median ms per run. */
interface Host {
  mode: string;
  /** Median ms per run while it warmed up (sizes its windows). */
  p50Ms: number;
  window(runs: number): Promise<number>;
  close(): void;
}

export interface SideBySide {
  program: string;
  /** The reused mode: auto where it can switch (a wasip1 module on the native path), else the default. */
  reusedMode: string;
  /** Per round: the reused instance's median ms per run and each fresh host's. */
  rounds: { reusedMs: number; freshMs: Record<string, number> }[];
  skipped: Skipped[];
}

export interface SideBySideSizes {
  rounds: number;
  /** Wall time one host's window should span, ms. */
  windowMs: number;
}

/** Runs per window: about windowMs of the host's runs, at least 3. */
const windowRuns = (p50Ms: number, windowMs: number) => Math.max(3, Math.min(200_000, Math.ceil(windowMs / Math.max(p50Ms, 1e-4))));

/** A host in this process: `once` is one run (a reused run, or a fresh instance and its run). */
function inProcess(mode: string, once: () => void): Host {
  const p50Ms = warmUpTimed(20, once);
  const run = () => (once(), 0);
  return { mode, p50Ms, window: async (runs) => timeRuns(runs, run).p50Ms, close: () => {} };
}

function inChild(mode: string, child: BaselineChild): Host {
  return { mode, p50Ms: child.p50Ms, window: async (runs) => (await child.window(runs)).p50Ms, close: () => child.close() };
}

async function instanceHost(w: Workload, mode: string): Promise<Host> {
  // init and afterRestore are snapshot features; a fresh instance runs the program as it is (as in measure.ts).
  const { init, afterRestore, ...plain } = w.options ?? {};
  const { strategy, options } = MODES[mode]!;
  const inst = await ReusableInstance.create(w.file, { ...(strategy === 'snapshot' ? w.options : plain), ...options, strategy });
  const input = { args: w.args, stdin: w.stdin };
  return inProcess(mode, () => {
    const r = inst.runSync(input);
    if (r.trap) throw new BenchError(`${w.program} trapped during the side-by-side rounds: ${r.trap.message}`);
  });
}

/** The fresh hosts that can run `w`, warmed up; those that cannot are skipped with the reason. */
async function freshHosts(w: Workload, core: boolean, skipped: Skipped[]): Promise<Host[]> {
  const hosts = [await instanceHost(w, OUR_FRESH_MODE)];
  const tryHost = async (mode: string, start: () => Promise<Host>) => {
    try {
      hosts.push(await start());
    } catch (e) {
      // As in the main table: a host that cannot run the program (jco cannot transpile it, a crash) is a skipped row.
      skipped.push({ program: w.program, mode, reason: e instanceof Error ? e.message : String(e) });
    }
  };
  if (core) {
    await tryHost(SHIM_MODE, async () => { const once = await browserShimRun(w); return inProcess(SHIM_MODE, () => once()); });
    await tryHost(NODE_WASI_MODE, async () => inChild(NODE_WASI_MODE, await startNodeWasi(w)));
  }
  await tryHost(JCO_MODE, async () => inChild(JCO_MODE, await startJco(w)));
  return hosts;
}

/** One workload: its reused instance against every fresh host that runs it, in alternating rounds. */
export async function measureSideBySide(w: Workload, sizes: SideBySideSizes): Promise<SideBySide> {
  const core = (await isCoreModule(w.file)) && w.options?.preview1 !== 'adapter';
  const reusedMode = core ? AUTO_MODE : REUSE_MODE;
  const skipped: Skipped[] = [];
  const reused = await instanceHost(w, reusedMode);
  const fresh = await freshHosts(w, core, skipped);
  const hosts = [reused, ...fresh];
  const rounds: SideBySide['rounds'] = [];
  try {
    for (let r = 0; r < sizes.rounds; r++) {
      const ms = new Map<Host, number>();
      for (const h of hosts.map((_, i) => hosts[(i + r) % hosts.length]!)) {
        try {
          ms.set(h, await h.window(windowRuns(h.p50Ms, sizes.windowMs)));
        } catch (e) {
          // A child that crashes mid-way (node:wasi has, after thousands of instances) leaves the rounds.
          if (!(e instanceof ChildFailed)) throw e;
          skipped.push({ program: w.program, mode: h.mode, reason: `${e.message} (in round ${r + 1})` });
          h.close();
          hosts.splice(hosts.indexOf(h), 1);
        }
      }
      rounds.push({ reusedMs: ms.get(reused)!, freshMs: Object.fromEntries(hosts.filter((h) => h !== reused).map((h) => [h.mode, ms.get(h)!])) });
    }
  } finally {
    for (const h of hosts) h.close();
  }
  // A host dropped in a later round has no figure for the earlier ones either: it is only in `skipped`.
  const kept = new Set(hosts.map((h) => h.mode));
  for (const round of rounds) for (const mode of Object.keys(round.freshMs)) if (!kept.has(mode)) delete round.freshMs[mode];
  return { program: w.program, reusedMode, rounds, skipped };
}

/** Per fresh host, the ratios (fresh ms / reused ms) of every round. */
export function ratios(s: SideBySide): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const { reusedMs, freshMs } of s.rounds) {
    for (const [mode, ms] of Object.entries(freshMs)) out.set(mode, [...(out.get(mode) ?? []), ms / reusedMs]);
  }
  return out;
}

const FRESH_COLUMNS = [NODE_WASI_MODE, SHIM_MODE, OUR_FRESH_MODE, JCO_MODE];
const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(v >= 10 ? 1 : 2));

/** The rounds as a table (median round ratio and range per fresh host), then the verdict by median rounds. */
export function sideBySideTable(all: SideBySide[]): string {
  const rows = [['program', 'reused mode', 'reused p50 ms (median round)', ...FRESH_COLUMNS.map((m) => `vs ${m}`)]];
  const slower: string[] = [];
  for (const s of all) {
    const r = ratios(s);
    rows.push([s.program, s.reusedMode, median(s.rounds.map((x) => x.reusedMs)).toPrecision(3), ...FRESH_COLUMNS.map((mode) => {
      const v = r.get(mode);
      if (!v) return 'not measured';
      const m = median(v);
      if (m < 1) slower.push(`${s.program} against ${mode} (${fmt(m)}x)`);
      return `${fmt(m)}x (${fmt(Math.min(...v))}-${fmt(Math.max(...v))}x)${m < 1 ? ' slower' : ''}`;
    })]);
  }
  let out = rows.map((r) => `| ${r.join(' | ')} |`).join('\n') + '\n';
  for (const s of all) for (const k of s.skipped) out += `not measured: ${k.program} under ${k.mode}: ${k.reason}\n`;
  out += `no workload slower than a fresh instance (median round, every fresh host): ${slower.length ? `not met: ${slower.join('; ')}` : 'met'}\n`;
  return out;
}
