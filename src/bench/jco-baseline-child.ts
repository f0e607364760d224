// Child process of jco-baseline.ts: fresh jco instantiation + run per
// iteration with preview2-shim's Node host, timed in windows (child-protocol.ts).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import type { Tree } from '../../shims/vfs.js';
import { prepareComponent } from '../prepare.js';
import { serveParent } from './child-protocol.js';
import type { Workload } from './measure.js';

/** preview2-shim's wasi:cli/exit calls process.exit; here it ends the run instead of the process. */
class GuestExit extends Error {
  constructor(readonly code: number) {
    super(`guest exited with code ${code}`);
  }
}

function materialise(tree: Tree, dir = mkdtempSync(join(tmpdir(), 'rewind-bench-'))): string {
  for (const [name, value] of Object.entries(tree)) {
    if (typeof value === 'string' || value instanceof Uint8Array) writeFileSync(join(dir, name), value);
    else materialise(value, mkdirSync(join(dir, name), { recursive: true }) ?? join(dir, name));
  }
  return dir;
}

async function prepare(w: Workload): Promise<() => number> {
  const prepared = await prepareComponent(w.file);
  const { instantiate, modules } = prepared.plain;
  // preview2-shim preopens host directories: in-memory trees are written to a temp dir once.
  const preopens: Record<string, string> = {};
  for (const [guest, source] of Object.entries(w.options?.dirs ?? {})) {
    preopens[guest] = typeof source === 'string' ? source : materialise(source as Tree);
  }

  /** One fresh instance and run; returns the instantiation time. */
  const once = (): number => {
    const t0 = performance.now();
    const shim = new WASIShim({ sandbox: { preopens, env: { ...w.options?.env }, args: [w.program, ...(w.args ?? [])], enableNetwork: false } });
    const exports = instantiate((name) => modules.get(name)!, shim.getImportObject() as never, (m, i) => new WebAssembly.Instance(m, i as WebAssembly.Imports)) as Record<string, { run(): void }>;
    const t1 = performance.now();
    try {
      exports[prepared.runExport!]!.run(); // the baseline measures commands only
    } catch (e) {
      if (!findExit(e)) throw e;
    }
    return t1 - t0;
  };

  return once;
}

function findExit(e: unknown): GuestExit | undefined {
  for (let depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) if (e instanceof GuestExit) return e;
  return undefined;
}

const exit = process.exit.bind(process);
process.exit = ((code?: number) => {
  throw new GuestExit(code ?? 0);
}) as typeof process.exit;
// preview2-shim's I/O worker would keep the process alive: the real exit ends it.
serveParent(prepare, exit);
