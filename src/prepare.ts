// prepare(): component bytes -> everything needed to instantiate many times.
// jco transpiles the component (instantiation mode); each core module is
// rewritten (rewrite/instrument.ts) and the glue patched (glue/patch.ts).
// Results are cached on disk by content hash, and compiled modules in memory.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidWasmError, WrongWorldError } from './errors.js';
import { fixGlue, patchGlue } from './glue/patch.js';
import { readInput, toComponent } from './load.js';
import type { ModuleInfo } from './rewrite/info.js';
import { rewriteAll } from './rewrite/in-worker.js';

/** Bump when the rewrite or glue patch changes, to invalidate caches. */
export const CACHE_FORMAT = 11;

export type Instantiate = (
  getCoreModule: (name: string) => WebAssembly.Module,
  imports: Record<string, unknown>,
  instantiateCore: (module: WebAssembly.Module, imports?: Record<string, Record<string, unknown>>) => unknown,
) => Record<string, unknown> | Promise<Record<string, unknown>>;

export interface GlueVariant {
  instantiate: Instantiate;
  modules: Map<string, WebAssembly.Module>;
}

export interface Prepared {
  hash: string;
  /** Rewritten modules and patched glue: what the snapshot strategy runs. */
  rewound: GlueVariant;
  /** jco's unmodified output: the baseline a plain jco host would run. */
  plain: GlueVariant;
  infos: Map<WebAssembly.Module, ModuleInfo>;
  /** Export key of wasi:cli/run in the instantiated exports. */
  runExport: string;
  /** Export key of wasi-rewind:reset/reset (specs/wit/reset.wit), if the guest implements it. */
  resetExport: string | null;
  /** Interfaces the component imports (versioned). */
  imports: string[];
}

interface Meta { format: number; runExport: string; resetExport: string | null; imports: string[]; modules: { name: string; info: ModuleInfo }[] }

const memo = new Map<string, Promise<Prepared>>();

export function cacheDir(): string {
  return process.env.WASI_REWIND_CACHE ?? join(tmpdir(), 'wasi-rewind-cache');
}

export async function prepare(input: string | Uint8Array): Promise<Prepared> {
  const bytes = await readInput(input);
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 32);
  let p = memo.get(hash);
  if (!p) {
    p = load(bytes, hash);
    memo.set(hash, p);
    p.catch(() => memo.delete(hash));
  }
  return p;
}

/** Cache entries are only valid for the same format and tool versions. */
const TOOLS = (() => {
  const require = createRequire(import.meta.url);
  // Not every package exports its package.json: find it above the entry point.
  const version = (pkg: string) => {
    for (let dir = dirname(require.resolve(pkg)); dir !== dirname(dir); dir = dirname(dir)) {
      const file = join(dir, 'package.json');
      if (existsSync(file)) {
        const json = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version: string };
        if (json.name === pkg) return json.version;
      }
    }
    return 'unknown';
  };
  return `v${CACHE_FORMAT}-jco${version('@bytecodealliance/jco')}-binaryen${version('binaryen')}`;
})();

async function load(bytes: Uint8Array, hash: string): Promise<Prepared> {
  const dir = join(cacheDir(), `${hash}-${TOOLS}`);
  if (!existsSync(join(dir, 'meta.json'))) await build(bytes, dir);
  const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as Meta;
  const infos = new Map<WebAssembly.Module, ModuleInfo>();
  const rewound = new Map<string, WebAssembly.Module>();
  const plain = new Map<string, WebAssembly.Module>();
  for (const { name, info } of meta.modules) {
    const module = new WebAssembly.Module(await readFile(join(dir, 'rewound', name)));
    rewound.set(name, module);
    infos.set(module, info);
    plain.set(name, new WebAssembly.Module(await readFile(join(dir, 'plain', name))));
  }
  const glue = async (variant: string) =>
    ((await import(pathToFileURL(join(dir, variant, 'component.mjs')).href)) as { instantiate: Instantiate }).instantiate;
  return {
    hash,
    rewound: { instantiate: await glue('rewound'), modules: rewound },
    plain: { instantiate: await glue('plain'), modules: plain },
    infos,
    runExport: meta.runExport,
    resetExport: meta.resetExport,
    imports: meta.imports,
  };
}

async function build(input: Uint8Array, dir: string): Promise<void> {
  // jco brings a large wasm heap: load it only on a cache miss. binaryen runs
  // on a worker (rewrite/in-worker.ts).
  const { transpile } = await import('@bytecodealliance/jco');
  const component = await toComponent(input);
  let out: Awaited<ReturnType<typeof transpile>>;
  try {
    out = await transpile(component, { name: 'component', instantiation: 'sync', noTypescript: true, quiet: true, base64Cutoff: 0 });
  } catch (e) {
    throw new InvalidWasmError(`jco cannot transpile the component: ${String((e as Error).message ?? e)}`, { cause: e });
  }
  const runExport = out.exports.map(([name]) => name).find((n) => /^wasi:cli\/run@0\.2\./.test(n));
  if (!runExport) {
    const found = out.exports.map(([n]) => n).join(', ') || 'nothing';
    throw new WrongWorldError(`the component does not export wasi:cli/run@0.2.x (it exports ${found})`);
  }
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(join(tmp, 'rewound'), { recursive: true });
  await mkdir(join(tmp, 'plain'), { recursive: true });
  const modules: Meta['modules'] = [];
  const cores = Object.entries(out.files).filter(([name]) => name.endsWith('.wasm'));
  const rewritten = await rewriteAll(cores.map(([name, data]) => [name, new Uint8Array(data)]));
  for (const [name, data] of cores) {
    const { bytes, info } = rewritten.get(name)!;
    await writeFile(join(tmp, 'plain', name), data);
    await writeFile(join(tmp, 'rewound', name), bytes);
    modules.push({ name, info });
  }
  for (const [name, data] of Object.entries(out.files)) {
    if (name === 'component.js') {
      const source = fixGlue(Buffer.from(data).toString('utf8'));
      // .mjs: the cache dir has no package.json saying "type": "module".
      await writeFile(join(tmp, 'plain', 'component.mjs'), source);
      await writeFile(join(tmp, 'rewound', 'component.mjs'), patchGlue(source));
    }
  }
  const resetExport = out.exports.map(([name]) => name).find((n) => /^wasi-rewind:reset\/reset@/.test(n)) ?? null;
  const meta: Meta = { format: CACHE_FORMAT, runExport, resetExport, imports: out.imports, modules };
  await writeFile(join(tmp, 'meta.json'), JSON.stringify(meta, null, 1));
  await mkdir(cacheDir(), { recursive: true });
  try {
    await rename(tmp, dir);
  } catch (e) {
    if (!existsSync(join(dir, 'meta.json'))) throw e; // another process won the race
  }
}
