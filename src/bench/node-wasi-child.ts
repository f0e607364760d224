// Child process of wasip1-baselines.ts: a fresh node:wasi instance of a
// precompiled module per run, timed in windows (child-protocol.ts).
import { closeSync, mkdirSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WASI } from 'node:wasi';
import type { Tree } from '../../shims/vfs.js';
import { readInput } from '../load.js';
import type { Workload } from './measure.js';
import { serveParent } from './child-protocol.js';

function materialise(tree: Tree, dir = mkdtempSync(join(tmpdir(), 'rewind-bench-'))): string {
  for (const [name, value] of Object.entries(tree)) {
    if (typeof value === 'string' || value instanceof Uint8Array) writeFileSync(join(dir, name), value);
    else materialise(value, (mkdirSync(join(dir, name), { recursive: true }), join(dir, name)));
  }
  return dir;
}

async function prepare(w: Workload): Promise<() => number> {
  const module = new WebAssembly.Module(await readInput(w.file) as Uint8Array<ArrayBuffer>);
  const preopens: Record<string, string> = {};
  for (const [guest, source] of Object.entries(w.options?.dirs ?? {})) {
    preopens[guest] = typeof source === 'string' ? source : materialise(source as Tree);
  }
  const stdinFile = join(mkdtempSync(join(tmpdir(), 'rewind-bench-')), 'stdin');
  writeFileSync(stdinFile, w.stdin ?? '');
  const devNull = openSync('/dev/null', 'w');
  const args = [w.options?.programName ?? w.program, ...(w.args ?? [])];
  const env = { ...w.options?.env };
  const once = (): number => {
    const t0 = performance.now();
    const stdin = openSync(stdinFile, 'r');
    try {
      const wasi = new WASI({ version: 'preview1', args, env, preopens, stdin, stdout: devNull, stderr: devNull, returnOnExit: true });
      const instance = new WebAssembly.Instance(module, wasi.getImportObject() as WebAssembly.Imports);
      const t1 = performance.now();
      wasi.start(instance);
      return t1 - t0;
    } finally {
      closeSync(stdin);
    }
  };
  return once;
}

serveParent(prepare, (code) => process.exit(code));
