// The baseline a plain jco user has: jco's unmodified output instantiated
// afresh for every run with @bytecodealliance/preview2-shim's host. That shim
// writes guest stdout to the process's fd 1 through a worker, so it runs in
// a child process (bench/jco-baseline-child.ts) with stdout discarded; the
// child reports its measurement as JSON on stderr.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Measurement, Workload } from './measure.js';

export const JCO_MODE = 'fresh jco instance per run (preview2-shim)';
// Built (dist/), the child is JavaScript; from sources, tsx loads the .ts file.
const built = fileURLToPath(new URL('./jco-baseline-child.js', import.meta.url));
const child = existsSync(built) ? [built] : ['--import', 'tsx', fileURLToPath(new URL('./jco-baseline-child.ts', import.meta.url))];

export async function measureJco(w: Workload, runs: number): Promise<Measurement> {
  const args = [...child, JSON.stringify({ ...w, runs })];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number>((resolve) => proc.on('close', resolve));
  const line = err.trim().split('\n').pop() ?? '';
  if (code !== 0 || !line.startsWith('{')) throw new Error(`jco baseline for ${w.program} failed (exit ${code}):\n${err.slice(-2000)}`);
  return { ...(JSON.parse(line) as Measurement), mode: JCO_MODE };
}
