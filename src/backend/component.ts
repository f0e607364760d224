// The component backend: jco's glue instantiates the component's core
// modules (rewritten and with patched glue under the snapshot strategy,
// jco's plain output otherwise) against our WASI 0.2 host.
import { CoreLinker } from '../core/linker.js';
import { InstantiationError } from '../errors.js';
import { GLUE_STATE_KEY, type GlueBindings } from '../glue/patch.js';
import { runInit } from '../post-init.js';
import { CACHE_FORMAT, type ComponentPrepared, type GlueVariant } from '../prepare.js';
import { applySnapshot } from '../snapshot-file/snapshot-file.js';
import { StateSnapshot } from '../state-snapshot.js';
import { WasiHost } from '../../shims/host.js';
import type { BackendInput, Live } from './live.js';

export function instantiateComponent(prepared: ComponentPrepared, { options, hostConfig, snapshotBytes }: BackendInput): Live {
  const host = new WasiHost(hostConfig);
  const missing = prepared.imports.filter((name) => !(name in host.imports));
  if (missing.length) throw new InstantiationError(`the component imports interfaces wasi-rewind does not provide: ${missing.join(', ')}`);
  const tracked = options.strategy === 'snapshot';
  const variant: GlueVariant = tracked ? prepared.rewound : prepared.plain;
  const limitPages = options.maxMemoryMiB ? options.maxMemoryMiB * 16 : undefined;
  const linker = tracked ? new CoreLinker(prepared.infos, limitPages) : undefined;
  let exports: Record<string, unknown>;
  try {
    exports = variant.instantiate(
      (name) => variant.modules.get(name)!,
      host.imports,
      linker?.instantiateCore ?? ((m, i) => new WebAssembly.Instance(m, i as WebAssembly.Imports)),
    ) as Record<string, unknown>;
  } catch (e) {
    throw new InstantiationError(`cannot instantiate the component: ${(e as Error).message ?? e}`, { cause: e });
  }
  const runIface = exports[prepared.runExport] as { run: () => unknown };
  const live: Live = { host, run: () => runIface.run(), initOutput: null };
  if (options.strategy === 'guest') {
    const iface = exports[prepared.resetExport!] as { reset: () => unknown };
    live.guestReset = () => iface.reset();
  }
  if (linker) {
    const bindings = exports[GLUE_STATE_KEY] as GlueBindings;
    live.parts = { componentHash: prepared.hash, cacheFormat: CACHE_FORMAT, linker, bindings, host };
    if (snapshotBytes) applySnapshot(live.parts, snapshotBytes);
    else live.initOutput = runInit(options, linker, host, bindings);
    live.snapshot = new StateSnapshot(linker, bindings);
  }
  return live;
}
