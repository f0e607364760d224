// The lightest fresh-instance hosts for a wasip1 command module, as
// baselines beside jco: a precompiled module instantiated afresh per run
// under @bjorn3/browser_wasi_shim (in this process: an in-memory JS host, no
// isolation beyond the fresh instance), and under node:wasi (in a child
// process, node-wasi-child.ts: it writes to real file descriptors and has
// crashed the process after thousands of fresh instances on some Node
// versions, which is reported, not hidden).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConsoleStdout, Directory, File, OpenFile, PreopenDirectory, WASI, type Inode } from '@bjorn3/browser_wasi_shim';
import type { Tree } from '../../shims/vfs.js';
import { readInput, wasmKind } from '../load.js';
import { BaselineChild, ChildFailed, childScript } from './child-protocol.js';
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

/** One fresh browser_wasi_shim host, instance and run of `w` per call; returns the instantiation time. */
export async function browserShimRun(w: Workload): Promise<() => number> {
  const module = new WebAssembly.Module(await readInput(w.file) as Uint8Array<ArrayBuffer>);
  const dirs = Object.entries(w.options?.dirs ?? {}).map(([guest, source]) =>
    [guest, typeof source === 'string' ? readTree(source) : source as Tree] as const);
  const args = [w.options?.programName ?? w.program, ...(w.args ?? [])];
  const env = Object.entries(w.options?.env ?? {}).map(([k, v]) => `${k}=${v}`);
  const stdin = new TextEncoder().encode(w.stdin ?? '');
  let out = 0;
  return (): number => {
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
}

export async function measureBrowserShim(w: Workload, runs: number): Promise<BaselineResult> {
  try {
    const once = await browserShimRun(w);
    return { measurement: { program: w.program, mode: SHIM_MODE, ...timeFreshRuns(runs, once), wasmMemoryBytes: null, rssMiB: process.memoryUsage().rss / 2 ** 20 } };
  } catch (e) {
    return { skipped: { program: w.program, mode: SHIM_MODE, reason: e instanceof Error ? `${e.name}: ${e.message}` : String(e) } };
  }
}

/** A child that runs `w` on fresh node:wasi instances, warmed up (ChildFailed if it cannot run it). */
export function startNodeWasi(w: Workload): Promise<BaselineChild> {
  // node:wasi warns that it is experimental on every process start: not a result.
  return BaselineChild.start(childScript('node-wasi-child'), w, ['--no-warnings']);
}

export async function measureNodeWasi(w: Workload, runs: number): Promise<BaselineResult> {
  let child: BaselineChild | undefined;
  try {
    child = await startNodeWasi(w);
    return { measurement: { program: w.program, mode: NODE_WASI_MODE, ...await child.window(runs), wasmMemoryBytes: null } };
  } catch (e) {
    if (!(e instanceof ChildFailed)) throw e;
    return { skipped: { program: w.program, mode: NODE_WASI_MODE, reason: `${e.message} (${runs} fresh instances after the warm-up)` } };
  } finally {
    child?.close();
  }
}
