// Where a reused run's time goes, measured in a separate instrumented pass
// (never in the timed loop: the timers cost more than some phases):
//  - reset: RunResult.resetMs (host reset + memory/globals/tables/glue
//    restore, then the host's setup for the run: args, env, stdin, capture);
//  - host begin/end: what run() does outside reset and the guest call
//    (argument checks, output collection, the result);
//  - imports (JS): time spent inside the JS functions the core instances
//    import: jco's trampolines with the lifting/lowering and the WASI host
//    for a component, the preview1 host for a native module; measured by
//    wrapping every JS function import while the instance is created;
//  - guest (wasm): the rest of the guest call.
import { ReusableInstance } from '../instance.js';
import type { Workload } from './measure.js';
import { warmUp } from './stats.js';

export interface Breakdown {
  program: string;
  runs: number;
  /** Median per run of each phase, microseconds (the medians need not add up to the total's). */
  totalUs: number;
  resetUs: number;
  hostBeginEndUs: number;
  importsUs: number;
  guestUs: number;
  /** JS import calls per run (each carries two timer reads in this pass). */
  importCallsPerRun: number;
}

type Fn = (...args: unknown[]) => unknown;

/** A wasm exported function (a core instance's export handed to another core instance), not JS. */
const isWasmFunction = (f: Fn) => /^\d+$/.test(f.name) && /\[native code\]/.test(Function.prototype.toString.call(f));

class ImportClock {
  ms = 0;
  calls = 0;
  private depth = 0;

  wrap(f: Fn): Fn {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const clock = this;
    return function timed(this: unknown, ...args: unknown[]) {
      if (clock.depth++ > 0) {
        try { return f.apply(this, args); } finally { clock.depth--; }
      }
      clock.calls++;
      const t0 = performance.now();
      try {
        return f.apply(this, args);
      } finally {
        clock.ms += performance.now() - t0;
        clock.depth--;
      }
    };
  }

  /** Instantiates through WebAssembly.Instance with every JS function import timed (outermost calls only). */
  async create(build: () => Promise<ReusableInstance>): Promise<ReusableInstance> {
    const Original = WebAssembly.Instance;
    const wrapImports = (imports: WebAssembly.Imports | undefined) => {
      if (!imports) return imports;
      const out: WebAssembly.Imports = {};
      for (const [ns, fields] of Object.entries(imports)) {
        out[ns] = {};
        for (const [name, value] of Object.entries(fields)) {
          out[ns]![name] = typeof value === 'function' && !isWasmFunction(value as Fn) ? this.wrap(value as Fn) as never : value;
        }
      }
      return out;
    };
    const Patched = function Instance(module: WebAssembly.Module, imports?: WebAssembly.Imports) {
      return new Original(module, wrapImports(imports));
    } as unknown as typeof WebAssembly.Instance;
    Patched.prototype = Original.prototype;
    WebAssembly.Instance = Patched;
    try {
      return await build();
    } finally {
      WebAssembly.Instance = Original;
    }
  }
}

export async function measureBreakdown(w: Workload, runs: number): Promise<Breakdown> {
  const clock = new ImportClock();
  const inst = await clock.create(() => ReusableInstance.create(w.file, { ...w.options, strategy: 'snapshot' }));
  const input = { args: w.args, stdin: w.stdin };
  warmUp(Math.min(500, Math.ceil(runs / 2)), () => inst.runSync(input));
  // Medians per phase: on a shared machine a few runs are delayed by
  // milliseconds (scheduling, GC), which would swamp means of microseconds.
  const phases = { total: [] as number[], reset: [] as number[], hostBeginEnd: [] as number[], imports: [] as number[], guest: [] as number[] };
  let calls = 0;
  for (let i = 0; i < runs; i++) {
    clock.ms = 0;
    clock.calls = 0;
    const t0 = performance.now();
    const r = inst.runSync(input);
    const total = performance.now() - t0;
    phases.total.push(total);
    phases.reset.push(r.resetMs);
    phases.hostBeginEnd.push(total - r.resetMs - r.durationMs);
    phases.imports.push(clock.ms);
    phases.guest.push(Math.max(0, r.durationMs - clock.ms));
    calls += clock.calls;
  }
  const us = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! * 1000;
  return {
    program: w.program,
    runs,
    totalUs: us(phases.total),
    resetUs: us(phases.reset),
    hostBeginEndUs: us(phases.hostBeginEnd),
    importsUs: us(phases.imports),
    guestUs: us(phases.guest),
    importCallsPerRun: calls / runs,
  };
}
