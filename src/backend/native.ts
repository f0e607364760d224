// The native preview1 backend: a wasip1 command core module instantiated
// directly (no component, no glue) with src/preview1 as its
// wasi_snapshot_preview1 imports. Under the snapshot strategy the module is
// the rewritten one, linked by CoreLinker so its memory is tracked; the
// preview1 layer marks its own writes into guest memory. Other strategies
// run the module as given (reinstantiate: the fresh-instance oracle).
import { CoreLinker } from '../core/linker.js';
import { InstantiationError, InvalidOptionsError, RewindError } from '../errors.js';
import type { GlueBindings } from '../glue/patch.js';
import { afterRestoreHook, runInit } from '../post-init.js';
import { CACHE_FORMAT, type NativePrepared, type Rewound } from '../prepare.js';
import { Preview1 } from '../preview1/index.js';
import { applySnapshot } from '../snapshot-file/snapshot-file.js';
import { StateSnapshot } from '../state-snapshot.js';
import { WasiHost } from '../../shims/host.js';
import { initProbe, type BackendInput, type Live } from './live.js';
import { autoRewind, type Renew } from './auto.js';
import { realBoundsRefusal } from './renew.js';
import type { ResolvedOptions } from '../options.js';

/** No glue: the snapshot machinery's glue part is empty. */
const NO_GLUE: GlueBindings = Object.freeze({ get: {}, set: {} }) as GlueBindings;

export function instantiateNative(prepared: NativePrepared, input: BackendInput): Live {
  const { options, hostConfig, snapshotBytes, limitPages } = input;
  const host = new WasiHost(hostConfig);
  const probe = initProbe(input);
  const p1 = new Preview1(host, probe ? probe.wrap(host.imports) : host.imports);
  const provided = new Set(p1.names);
  const missing = prepared.imports.filter((name) => !provided.has(name));
  if (missing.length) throw new InstantiationError(`the module imports wasi_snapshot_preview1 functions that do not exist: ${missing.join(', ')}`);
  p1.beginRun(); // a start function or init may already use descriptors
  if (options.strategy !== 'snapshot') {
    const exports = instantiate(() => new WebAssembly.Instance(prepared.plain, p1.imports as WebAssembly.Imports).exports);
    if (exports.memory instanceof WebAssembly.Memory) p1.bind(exports.memory, null, null);
    return { host, run: runOf(exports), exports: new Map(), beginRun: () => p1.beginRun(), initOutput: null, warnings: [] };
  }
  if (!prepared.rewound) throw new InstantiationError('the module was prepared without its rewrite, which the snapshot strategy needs');
  const realBounds = options.boundsChecks === 'real';
  if (realBounds) {
    const why = realBoundsRefusal(prepared, options);
    if (why) throw new InvalidOptionsError('boundsChecks', [why]);
  }
  const started = performance.now();
  const { linker, exports } = link(prepared.rewound, p1, limitPages);
  const instantiateMs = performance.now() - started;
  const live: Live = { host, run: runOf(exports), exports: new Map(), beginRun: () => p1.beginRun(), initOutput: null, warnings: [] };
  live.parts = { componentHash: prepared.hash, cacheFormat: CACHE_FORMAT, linker, bindings: NO_GLUE, host };
  if (snapshotBytes) {
    applySnapshot(live.parts, snapshotBytes, { maxPages: limitPages ?? 65536 }, options.snapshotKey);
    p1.volumeReplaced();
  }
  else live.initOutput = runInit(options, linker, host, NO_GLUE, probe);
  if (live.initOutput) {
    p1.markInitTable();
    if (p1.holdsInitDescriptors) live.unsaveable = 'the init left descriptors open, which snapshot files of the native preview1 path cannot carry (close them in the init, or use preview1: "adapter")';
  }
  live.warnings = probe?.warnings(options) ?? [];
  live.afterRestore = afterRestoreHook(options, linker, host, NO_GLUE);
  live.snapshot = new StateSnapshot(linker, NO_GLUE, host);
  const renew: Renew = (old, rewound) => renewed(old, rewound, prepared, p1, limitPages, options);
  if (realBounds) realRewind(live, prepared.rewound, renew);
  // 'auto' switches by renewing too: where that is refused, it stays in marks.
  else if (options.memoryTracking === 'auto' && prepared.others && !realBoundsRefusal(prepared, options)) autoRewind(live, { marks: prepared.rewound, ...prepared.others }, renew, instantiateMs);
  return live;
}

/**
 * boundsChecks 'real' (src/backend/renew.ts): after a run that left the
 * memory larger than the snapshot's, a fresh instance rewound to the
 * snapshot; else the snapshot's restore.
 */
function realRewind(live: Live, rewound: Rewound, renew: Renew): void {
  live.rewind = () => {
    if (!live.parts!.linker.memories.some((m) => m.outgrown)) return { live, chunks: live.snapshot!.restore() };
    const next = renew(live, rewound);
    realRewind(next.live, rewound, renew);
    return next;
  };
}

/** `old`'s successor: a fresh instance of `rewound` rewound to `old`'s snapshot, sharing its host. */
function renewed(old: Live, rewound: Rewound, prepared: NativePrepared, p1: Preview1, limitPages: number | undefined, options: ResolvedOptions): { live: Live; chunks: number } {
  const { linker, exports } = link(rewound, p1, limitPages, old.parts!.linker.memories.map((m) => m.mapMemory));
  const { snapshot, chunks } = old.snapshot!.renewOn(linker, [prepared.data]);
  const live: Live = {
    ...old, run: runOf(exports), snapshot, parts: { ...old.parts!, linker },
    afterRestore: afterRestoreHook(options, linker, old.host, NO_GLUE),
  };
  return { live, chunks };
}

/** A rewritten module instantiated with its memory tracked and bound to the preview1 layer. */
function link({ module, info }: Rewound, p1: Preview1, limitPages: number | undefined, maps?: WebAssembly.Memory[]) {
  const linker = new CoreLinker(new Map([[module, info]]), limitPages, maps);
  const exports = instantiate(() => linker.instantiateCore(module, p1.imports, true).exports);
  const memory = linker.memories[0];
  if (memory) p1.bind(memory.memory!, memory, (ptr, len) => memory.markRange(ptr, len));
  return { linker, exports };
}

function instantiate(make: () => WebAssembly.Exports): WebAssembly.Exports {
  try {
    return make();
  } catch (e) {
    if (e instanceof RewindError) throw e;
    throw new InstantiationError(`cannot instantiate the module: ${(e as Error).message ?? e}`, { cause: e });
  }
}

function runOf(exports: WebAssembly.Exports): () => unknown {
  const start = exports._start as () => unknown;
  return () => start();
}
