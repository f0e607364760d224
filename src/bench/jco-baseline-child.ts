// Child process of jco-baseline.ts: fresh jco instantiation + run per
// iteration with preview2-shim's Node host. Prints one JSON line on stderr.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import type { Tree } from '../../shims/vfs.js';
import { prepareComponent } from '../prepare.js';
import { summarise } from './stats.js';
import type { Workload } from './measure.js';

const w = JSON.parse(process.argv[2]!) as Workload & { runs: number };
const prepared = await prepareComponent(w.file);
const { instantiate, modules } = prepared.plain;
// preview2-shim preopens host directories: in-memory trees are written to a temp dir once.
const preopens: Record<string, string> = {};
for (const [guest, source] of Object.entries(w.options?.dirs ?? {})) {
  preopens[guest] = typeof source === 'string' ? source : materialise(source as Tree);
}

function materialise(tree: Tree, dir = mkdtempSync(join(tmpdir(), 'rewind-bench-'))): string {
  for (const [name, value] of Object.entries(tree)) {
    if (typeof value === 'string' || value instanceof Uint8Array) writeFileSync(join(dir, name), value);
    else materialise(value, mkdirSync(join(dir, name), { recursive: true }) ?? join(dir, name));
  }
  return dir;
}

/** One fresh instance and run; returns the instantiation time. */
function once(): number {
  const t0 = performance.now();
  const shim = new WASIShim({ sandbox: { preopens, env: {}, args: [w.program, ...(w.args ?? [])], enableNetwork: false } });
  const exports = instantiate((name) => modules.get(name)!, shim.getImportObject() as never, (m, i) => new WebAssembly.Instance(m, i as WebAssembly.Imports)) as Record<string, { run(): void }>;
  const t1 = performance.now();
  exports[prepared.runExport]!.run();
  return t1 - t0;
}

for (let i = 0; i < Math.min(20, w.runs); i++) once();
const latencies: number[] = [];
const instantiations: number[] = [];
const start = performance.now();
for (let i = 0; i < w.runs; i++) {
  const t0 = performance.now();
  instantiations.push(once());
  latencies.push(performance.now() - t0);
}
const total = performance.now() - start;
const result = { program: w.program, ...summarise(latencies, instantiations, total), wasmMemoryBytes: null, rssMiB: process.memoryUsage().rss / 2 ** 20 };
process.stderr.write(`${JSON.stringify(result)}\n`);
process.exit(0); // preview2-shim's I/O worker would keep the process alive
