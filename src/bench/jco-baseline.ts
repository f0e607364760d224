// The baseline a plain jco user has: jco's unmodified output instantiated
// afresh for every run with @bytecodealliance/preview2-shim's host. That shim
// writes guest stdout to the process's fd 1 through a worker and ends the
// process on exit(), so it runs in a child process (jco-baseline-child.ts)
// with stdout discarded.
import { BenchError } from '../errors.js';
import { BaselineChild, ChildFailed, childScript } from './child-protocol.js';
import type { Measurement, Workload } from './measure.js';

export const JCO_MODE = 'fresh jco instance per run (preview2-shim)';

/** A child that runs `w` on fresh jco instances, warmed up (BenchError if it cannot run it). */
export async function startJco(w: Workload): Promise<BaselineChild> {
  try {
    return await BaselineChild.start(childScript('jco-baseline-child'), w);
  } catch (e) {
    if (!(e instanceof ChildFailed)) throw e;
    throw new BenchError(`the plain-jco baseline (preview2-shim) cannot run ${w.program}: ${e.message}`);
  }
}

export async function measureJco(w: Workload, runs: number): Promise<Measurement> {
  const child = await startJco(w);
  try {
    return { program: w.program, mode: JCO_MODE, ...await child.window(runs), wasmMemoryBytes: null };
  } catch (e) {
    if (!(e instanceof ChildFailed)) throw e;
    throw new BenchError(`the plain-jco baseline for ${w.program} failed: ${e.message}`);
  } finally {
    child.close();
  }
}
