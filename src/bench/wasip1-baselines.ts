// The lightest fresh-instance hosts for a wasip1 command module, as
// baselines beside jco: a precompiled module instantiated afresh per run
// under @bjorn3/browser_wasi_shim (in this process: an in-memory JS host, no
// isolation beyond the fresh instance), and under node:wasi (in a child
// process, node-wasi-child.ts: it writes to real file descriptors and has
// crashed the process after thousands of fresh instances on some Node
// versions, which is reported, not hidden).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serialize } from 'node:v8';
import { ConsoleStdout, Directory, File, OpenFile, PreopenDirectory, WASI, type Inode } from '@bjorn3/browser_wasi_shim';
import type { Tree } from '../../shims/vfs.js';
import { readInput, wasmKind } from '../load.js';
import type { Measurement, Workload } from './measure.js';
import { timeFreshRuns } from './stats.js';

export const SHIM_MODE = 'fresh browser_wasi_shim instance per run';
export const NODE_WASI_MODE = 'fresh node:wasi instance per run';

/** A baseline that could not measure the program, and why (a crash, an unsupported feature). */
export interface Skipped { program: string; mode: string; reason: string }

export type BaselineResult = { measurement: Measurement } | { skipped: Skipped };

/** True for a core module (a wasip1 command): the hosts here run nothing else. */
export async function isCoreModule(file: string): Promise<boolean> {
  return wasmKind(await readInput(file)) === 'core';
}

function shimDir(tree: Tree): Map<string, Inode> {
  const entries = new Map<string, Inode>();
  for (const [name, value] of Object.entries(tree)) {
    entries.set(name, typeof value === 'string' ? new File(new TextEncoder().encode(value))
      : value instanceof Uint8Array ? new File(value) : new Directory(shimDir(value)));
  }
  return entries;
}

/** A host directory read into a tree (browser_wasi_shim keeps files in memory). */
function readTree(dir: string): Tree {
  const tree: Tree = {};
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    tree[name] = statSync(path).isDirectory() ? readTree(path) : new Uint8Array(readFileSync(path));
  }
  return tree;
}

export async function measureBrowserShim(w: Workload, runs: number): Promise<BaselineResult> {
  const module = new WebAssembly.Module(await readInput(w.file) as Uint8Array<ArrayBuffer>);
  const dirs = Object.entries(w.options?.dirs ?? {}).map(([guest, source]) =>
    [guest, typeof source === 'string' ? readTree(source) : source as Tree] as const);
  const args = [w.options?.programName ?? w.program, ...(w.args ?? [])];
  const env = Object.entries(w.options?.env ?? {}).map(([k, v]) => `${k}=${v}`);
  const stdin = new TextEncoder().encode(w.stdin ?? '');
  let out = 0;
  /** One fresh host, instance and run; returns the instantiation time. */
  const once = (): number => {
    const t0 = performance.now();
    // The file systems are built per run too: a run may change them.
    const fds = [
      new OpenFile(new File(stdin)),
      new ConsoleStdout((b) => { out += b.length; }),
      new ConsoleStdout((b) => { out += b.length; }),
      ...dirs.map(([guest, tree]) => new PreopenDirectory(guest, shimDir(tree))),
    ];
    const wasi = new WASI(args, env, fds, { debug: false }); // its debug log is on unless turned off
    const instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasi.wasiImport as unknown as WebAssembly.ModuleImports });
    const t1 = performance.now();
    wasi.start(instance as never);
    return t1 - t0;
  };
  try {
    return { measurement: { program: w.program, mode: SHIM_MODE, ...timeFreshRuns(runs, once), wasmMemoryBytes: null, rssMiB: process.memoryUsage().rss / 2 ** 20 } };
  } catch (e) {
    return { skipped: { program: w.program, mode: SHIM_MODE, reason: e instanceof Error ? `${e.name}: ${e.message}` : String(e) } };
  }
}

// Built (dist/), the child is JavaScript; from sources, tsx loads the .ts file (see jco-baseline.ts).
const built = fileURLToPath(new URL('./node-wasi-child.js', import.meta.url));
const child = existsSync(built) ? [built] : ['--import', import.meta.resolve('tsx'), fileURLToPath(new URL('./node-wasi-child.ts', import.meta.url))];

export async function measureNodeWasi(w: Workload, runs: number): Promise<BaselineResult> {
  let err = '';
  const skipped = (reason: string): BaselineResult => ({ skipped: { program: w.program, mode: NODE_WASI_MODE, reason } });
  const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null } | Error>((resolve) => {
    // node:wasi warns that it is experimental on every process start: not a result.
    const proc = spawn(process.execPath, ['--no-warnings', ...child], { stdio: ['pipe', 'ignore', 'pipe'] });
    proc.on('error', resolve);
    proc.on('close', (code, signal) => resolve({ code, signal }));
    proc.stderr.on('data', (d) => (err += d));
    proc.stdin.on('error', () => { /* the exit status and stderr tell why */ });
    proc.stdin.end(serialize({ ...w, runs }));
  });
  if (ended instanceof Error) return skipped(`cannot start the child process: ${ended.message}`);
  const line = err.trim().split('\n').pop() ?? '';
  let parsed: (Measurement & { error?: undefined }) | { error: string } | undefined;
  try {
    parsed = line.startsWith('{') ? JSON.parse(line) : undefined;
  } catch { /* reported below */ }
  if (ended.signal) return skipped(`crashed (${ended.signal}) during ${runs} fresh instances`);
  if (parsed?.error) return skipped(parsed.error);
  if (ended.code !== 0 || !parsed) return skipped(`failed (exit ${ended.code}): ${err.trim().slice(-300)}`);
  return { measurement: { ...(parsed as Measurement), mode: NODE_WASI_MODE } };
}
