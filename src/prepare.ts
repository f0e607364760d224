// prepare(): input bytes -> everything needed to instantiate many times.
// A wasip1 command core module (by default) is rewritten (rewrite/instrument.ts)
// and run natively (src/preview1): no component, no glue. Anything else is a
// component: jco transpiles it (instantiation mode); each core module is
// rewritten and the glue patched (glue/patch.ts).
// Results are cached on disk by content hash, and compiled modules in memory.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { cachedEntry, importFromBytes } from './cache/entry.js';
import { cacheDir } from './cache/location.js';
import { InvalidWasmError, WrongWorldError } from './errors.js';
import { fixGlue, patchGlue } from './glue/patch.js';
import { checkWasiVersion, inspectCore, readInput, toComponent, wasmKind } from './load.js';
import { HOST_PROTOCOL, type ExportList } from './reactor/exports.js';
import { silenceFinalizers } from './reactor/finalizers.js';
import { DEFAULT_MEMORY_MODE, type MemoryMode, type ModuleInfo } from './rewrite/info.js';
import { rewriteAll } from './rewrite/in-worker.js';
import { compileModule } from './pool/shared-modules.js';
import type { ResolvedOptions } from './options.js';

/** Bump when the rewrite or glue patch changes, to invalidate caches. */
export const CACHE_FORMAT = 25;

export type Instantiate = (
  getCoreModule: (name: string) => WebAssembly.Module,
  imports: Record<string, unknown>,
  instantiateCore: (module: WebAssembly.Module, imports?: Record<string, Record<string, unknown>>) => unknown,
) => Record<string, unknown> | Promise<Record<string, unknown>>;

export interface GlueVariant {
  instantiate: Instantiate;
  modules: Map<string, WebAssembly.Module>;
}

export type Preview1Mode = 'native' | 'adapter';

export interface PrepareOptions {
  preview1?: Preview1Mode;
  /** false: a native module is not rewritten (the strategies that run it as given). */
  rewrite?: boolean;
  /** How rewritten modules check accesses and track writes (rewrite/info.ts). */
  mode?: MemoryMode;
  /** memoryTracking 'auto': a native module is also rewritten for the other modes it may switch to (`NativePrepared.others`). */
  auto?: boolean;
}

export interface Rewound { module: WebAssembly.Module; info: ModuleInfo }

/** A wasip1 command run natively (src/preview1). */
export interface NativePrepared {
  kind: 'preview1';
  hash: string;
  /** The rewritten module and what the rewriter learnt: what the snapshot strategy runs (null: not prepared, see `rewrite`). */
  rewound: Rewound | null;
  /** memoryTracking 'auto': the module rewritten for the modes it may switch to besides marks (src/backend/auto.ts). */
  others?: { scan: Rewound; real: Rewound };
  /** The module as given: the fresh-instance baseline. */
  plain: WebAssembly.Module;
  /** wasi_snapshot_preview1 functions it imports. */
  imports: string[];
  /** It names a start function (which every instantiation runs). */
  start: boolean;
  /** The byte ranges its data segments write at instantiation (null: not known). */
  data: [number, number][] | null;
}

export type Prepared = ComponentPrepared | NativePrepared;

export interface ComponentPrepared {
  kind: 'component';
  hash: string;
  /** Rewritten modules and patched glue: what the snapshot strategy runs. */
  rewound: GlueVariant;
  /** jco's unmodified output: the baseline a plain jco host would run. */
  plain: GlueVariant;
  infos: Map<WebAssembly.Module, ModuleInfo>;
  /** Export key of wasi:cli/run in the instantiated exports, if the component is a command. */
  runExport: string | null;
  /** Export key of wasi-rewind:reset/reset (specs/wit/reset.wit), if the guest implements it. */
  resetExport: string | null;
  /** Export key of wasi-rewind:reuse/hint (specs/wit/reuse.wit), if the guest declares a reuse preference. */
  hintExport: string | null;
  /** jco's list of the component's exports: [name, 'function' | 'instance']. */
  exports: ExportList;
  /** Interfaces the component imports (versioned). */
  imports: string[];
}

interface Meta {
  format: number;
  runExport: string | null;
  resetExport: string | null;
  hintExport: string | null;
  exports: ExportList;
  imports: string[];
  modules: { name: string; info: ModuleInfo }[];
}

const memo = new Map<string, Promise<Prepared>>();
/** Native programs prepared in another thread (a pool's), by memo key. */
const adopted = new Map<string, NativePrepared>();

/**
 * A prepared native program as plain data another thread can adopt (its
 * modules are shared, not recompiled; no cache read). Components hold glue
 * functions and are not transferable: null.
 */
export async function transferablePrepared(input: string | Uint8Array, options: PrepareOptions = {}): Promise<[string, NativePrepared] | null> {
  const r = await request(input, options);
  const prepared = await prepareRequest(r);
  return prepared.kind === 'preview1' ? [r.key, prepared] : null;
}

export function adoptPrepared([key, prepared]: [string, NativePrepared]): void {
  adopted.set(key, prepared);
}

export { cacheDir };

/**
 * `preview1: 'native'` (the default) runs a wasip1 command natively;
 * 'adapter' wraps it into a component with jco's preview1 adapter. Reactors
 * and components always take the component path.
 */
export async function prepare(input: string | Uint8Array, options: PrepareOptions = {}): Promise<Prepared> {
  return prepareRequest(await request(input, options));
}

/** The options prepare() takes for an instance's resolved options. */
export function prepareOptionsFor(o: Pick<ResolvedOptions, 'preview1' | 'strategy' | 'memoryTracking' | 'boundsChecks'>): PrepareOptions {
  // 'auto' starts in the default mode (marks).
  if (o.memoryTracking === 'auto') return { preview1: o.preview1, rewrite: o.strategy === 'snapshot', mode: DEFAULT_MEMORY_MODE, auto: true };
  return { preview1: o.preview1, rewrite: o.strategy === 'snapshot', mode: { tracking: o.memoryTracking, bounds: o.boundsChecks === 'virtual' ? 'virtual' : 'real' } };
}

/** The modes 'auto' may switch to besides marks (src/backend/auto.ts). */
const SCAN_MODE: MemoryMode = Object.freeze({ tracking: 'scan', bounds: 'virtual' });
const REAL_MODE: MemoryMode = Object.freeze({ tracking: 'scan', bounds: 'real' });

/** What prepare() is asked for: the input, which preparation of it, and the memo key naming that preparation. */
interface Request { bytes: Uint8Array; hash: string; native: boolean; rewrite: boolean; mode: MemoryMode; auto: boolean; key: string }

async function request(input: string | Uint8Array, options: PrepareOptions): Promise<Request> {
  const bytes = await readInput(input);
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 32);
  const native = (options.preview1 ?? 'native') === 'native' && wasmKind(bytes) === 'core';
  // A native module is rewritten only for the snapshot strategy: the others run it as given.
  const rewrite = options.rewrite ?? true;
  const mode = options.mode ?? DEFAULT_MEMORY_MODE;
  const auto = native && rewrite && options.auto === true;
  const key = `${hash}${native ? `-p1${rewrite ? '' : '-plain'}` : ''}${rewrite ? cacheSuffix(mode) : ''}${auto ? '-auto' : ''}`;
  return { bytes, hash, native, rewrite, mode, auto, key };
}

function prepareRequest({ bytes, hash, native, rewrite, mode, auto, key }: Request): Promise<Prepared> {
  if (!memo.has(key) && adopted.has(key)) memo.set(key, Promise.resolve(adopted.get(key)!));
  let p = memo.get(key);
  if (!p) {
    p = native ? loadCore(bytes, hash, rewrite, mode, auto) : load(bytes, hash, mode);
    memo.set(key, p);
    p.catch(() => memo.delete(key));
  }
  return p;
}

/** The default mode keeps the cache names it always had. */
const cacheSuffix = (mode: MemoryMode) =>
  `${mode.tracking === 'marks' ? '' : `-${mode.tracking}`}${mode.bounds === 'virtual' ? '' : `-${mode.bounds}`}`;

/** Prepares a component (a wasip1 module through the adapter): what jco-based hosts run. */
export async function prepareComponent(input: string | Uint8Array): Promise<ComponentPrepared> {
  return (await prepare(input, { preview1: 'adapter' })) as ComponentPrepared;
}

async function loadCore(bytes: Uint8Array, hash: string, rewrite: boolean, mode: MemoryMode, auto: boolean): Promise<Prepared> {
  const core = await inspectCore(bytes);
  if (core.role === 'reactor') return load(bytes, hash, mode); // reactors go through the adapter
  const prepared: NativePrepared = { kind: 'preview1', hash: `${hash}-p1`, rewound: null, plain: core.module, imports: core.imports, start: core.start, data: core.data };
  if (!rewrite) return prepared;
  // Snapshot files name what they were made from (`hash`): a native instance's differ from the adapter's.
  const [rewound, scan, real] = await Promise.all([mode, ...(auto ? [SCAN_MODE, REAL_MODE] : [])].map((m) => rewriteCore(bytes, hash, m)));
  prepared.rewound = rewound!;
  if (scan && real) prepared.others = { scan, real };
  return prepared;
}

/** A native module rewritten for `mode`, from the cache or made and cached. */
async function rewriteCore(bytes: Uint8Array, hash: string, mode: MemoryMode): Promise<Rewound> {
  const files = await cachedEntry(join(cacheDir(), `${hash}-p1${cacheSuffix(mode)}-${TOOLS}`), async (tmp) => {
    const rewritten = (await rewriteAll([['module.wasm', bytes]], mode)).get('module.wasm')!;
    await mkdir(tmp, { recursive: true });
    await writeFile(join(tmp, 'module.wasm'), rewritten.bytes);
    await writeFile(join(tmp, 'meta.json'), JSON.stringify({ format: CACHE_FORMAT, info: rewritten.info }));
  });
  const meta = JSON.parse(files.get('meta.json')!.toString('utf8')) as { info: ModuleInfo };
  return { module: compileModule(files.get('module.wasm')!), info: meta.info };
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

async function load(bytes: Uint8Array, hash: string, mode: MemoryMode): Promise<ComponentPrepared> {
  // Only checked bytes are used (src/cache/entry.ts); a bad entry is rebuilt.
  const files = await cachedEntry(join(cacheDir(), `${hash}${cacheSuffix(mode)}-${TOOLS}`), (tmp) => build(bytes, tmp, mode));
  const file = (path: string) => files.get(path) ?? Buffer.alloc(0) as Buffer<ArrayBuffer>;
  const meta = JSON.parse(file('meta.json').toString('utf8')) as Meta;
  const infos = new Map<WebAssembly.Module, ModuleInfo>();
  const rewound = new Map<string, WebAssembly.Module>();
  const plain = new Map<string, WebAssembly.Module>();
  for (const { name, info } of meta.modules) {
    const module = compileModule(file(`rewound/${name}`));
    rewound.set(name, module);
    infos.set(module, info);
    plain.set(name, compileModule(file(`plain/${name}`)));
  }
  const glue = async (variant: string) => (await importFromBytes<{ instantiate: Instantiate }>(file(`${variant}/component.mjs`))).instantiate;
  return {
    kind: 'component',
    hash,
    rewound: { instantiate: await glue('rewound'), modules: rewound },
    plain: { instantiate: await glue('plain'), modules: plain },
    infos,
    runExport: meta.runExport,
    resetExport: meta.resetExport,
    hintExport: meta.hintExport,
    exports: meta.exports,
    imports: meta.imports,
  };
}

async function build(input: Uint8Array, tmp: string, mode: MemoryMode): Promise<void> {
  // jco brings a large wasm heap: load it only on a cache miss. binaryen runs
  // on a worker (rewrite/in-worker.ts).
  const { componentWit, transpile } = await import('@bytecodealliance/jco');
  const component = await toComponent(input);
  // transpile's import list drops versions: the world's WIT names them.
  const wit = await Promise.resolve(componentWit(component)).catch(() => '');
  checkWasiVersion([...wit.matchAll(/^\s*import\s+([^;\s]+);/gm)].map((m) => m[1]!));
  let out: Awaited<ReturnType<typeof transpile>>;
  try {
    out = await transpile(component, { name: 'component', instantiation: 'sync', noTypescript: true, quiet: true, base64Cutoff: 0 });
  } catch (e) {
    throw new InvalidWasmError(`jco cannot transpile the component: ${String((e as Error).message ?? e)}`, { cause: e });
  }
  const names = out.exports.map(([name]) => name);
  const runExport = names.find((n) => /^wasi:cli\/run@0\.2\./.test(n)) ?? null;
  // A component without wasi:cli/run is called through its exports (call()).
  // jco also lists each interface under its bare name: wasi-rewind's own do not count.
  const protocol = new Set(names.filter((n) => HOST_PROTOCOL.test(n)).flatMap((n) => [n, n.replace(/^.*\//, '').replace(/@.*$/, '')]));
  if (!names.some((n) => !protocol.has(n))) {
    throw new WrongWorldError(`the component exports neither wasi:cli/run@0.2.x nor any function or interface to call (it exports ${names.join(', ') || 'nothing'})`);
  }
  await mkdir(join(tmp, 'rewound'), { recursive: true });
  await mkdir(join(tmp, 'plain'), { recursive: true });
  const modules: Meta['modules'] = [];
  const cores = Object.entries(out.files).filter(([name]) => name.endsWith('.wasm'));
  const rewritten = await rewriteAll(cores.map(([name, data]) => [name, new Uint8Array(data)]), mode);
  for (const [name, data] of cores) {
    const { bytes, info } = rewritten.get(name)!;
    await writeFile(join(tmp, 'plain', name), data);
    await writeFile(join(tmp, 'rewound', name), bytes);
    modules.push({ name, info });
  }
  for (const [name, data] of Object.entries(out.files)) {
    if (name === 'component.js') {
      const source = silenceFinalizers(fixGlue(Buffer.from(data).toString('utf8')));
      // .mjs: the cache dir has no package.json saying "type": "module".
      await writeFile(join(tmp, 'plain', 'component.mjs'), source);
      await writeFile(join(tmp, 'rewound', 'component.mjs'), patchGlue(source));
    }
  }
  const resetExport = names.find((n) => /^wasi-rewind:reset\/reset@/.test(n)) ?? null;
  const hintExport = names.find((n) => /^wasi-rewind:reuse\/hint@0\.1\./.test(n)) ?? null;
  const meta: Meta = { format: CACHE_FORMAT, runExport, resetExport, hintExport, exports: out.exports as ExportList, imports: out.imports, modules };
  await writeFile(join(tmp, 'meta.json'), JSON.stringify(meta, null, 1));
}
