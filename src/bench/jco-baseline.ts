// The baseline a plain jco user has: jco's unmodified output instantiated
// afresh for every run with @bytecodealliance/preview2-shim's host. That shim
// writes guest stdout to the process's fd 1 through a worker and ends the
// process on exit(), so it runs in a child process (jco-baseline-child.ts)
// with stdout discarded; the child reports its measurement as JSON on stderr.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serialize } from 'node:v8';
import { BenchError } from '../errors.js';
import type { Measurement, Workload } from './measure.js';

export const JCO_MODE = 'fresh jco instance per run (preview2-shim)';
// Built (dist/), the child is JavaScript; from sources, tsx (as this package
// resolves it, not as the current directory would: the CLI runs from
// anywhere) loads the .ts file.
const built = fileURLToPath(new URL('./jco-baseline-child.js', import.meta.url));
const child = existsSync(built) ? [built] : ['--import', import.meta.resolve('tsx'), fileURLToPath(new URL('./jco-baseline-child.ts', import.meta.url))];

export async function measureJco(w: Workload, runs: number): Promise<Measurement> {
  let err = '';
  const code = await new Promise<number | null>((resolve, reject) => {
    // The workload goes over stdin, structured-cloned: in-memory trees can be
    // megabytes of bytes (too big for argv, not JSON).
    const proc = spawn(process.execPath, child, { stdio: ['pipe', 'ignore', 'pipe'] });
    proc.on('error', reject);
    proc.on('close', resolve);
    proc.stderr.on('data', (d) => (err += d));
    proc.stdin.on('error', () => { /* the child's exit code and stderr tell why */ });
    proc.stdin.end(serialize({ ...w, runs }));
  }).catch((e: Error) => {
    throw new BenchError(`cannot start the plain-jco baseline for ${w.program}: ${e.message}`);
  });
  const line = err.trim().split('\n').pop() ?? '';
  let parsed: (Measurement & { error?: undefined }) | { error: string } | undefined;
  try {
    parsed = line.startsWith('{') ? JSON.parse(line) : undefined;
  } catch { /* reported below */ }
  if (parsed?.error) throw new BenchError(`the plain-jco baseline (preview2-shim) cannot run ${w.program}: ${parsed.error}`);
  if (code !== 0 || !parsed) throw new BenchError(`the plain-jco baseline for ${w.program} failed (exit ${code}):\n${err.slice(-2000)}`);
  return { ...(parsed as Measurement), mode: JCO_MODE };
}
