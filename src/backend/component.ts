// The component backend: jco's glue instantiates the component's core
// modules (rewritten and with patched glue under the snapshot strategy,
// jco's plain output otherwise) against our WASI 0.2 host.
import { CoreLinker } from '../core/linker.js';
import { InstantiationError, InvalidOptionsError } from '../errors.js';
import { GLUE_STATE_KEY, type GlueBindings } from '../glue/patch.js';
import { afterRestoreHook, runInit } from '../post-init.js';
import { CACHE_FORMAT, type ComponentPrepared, type GlueVariant } from '../prepare.js';
import { exportTable } from '../reactor/exports.js';
import { applySnapshot } from '../snapshot-file/snapshot-file.js';
import { StateSnapshot } from '../state-snapshot.js';
import { WasiHost } from '../../shims/host.js';
import { initProbe, type BackendInput, type Live } from './live.js';
import { COMPONENT_REFUSAL } from './renew.js';

export function instantiateComponent(prepared: ComponentPrepared, input: BackendInput): Live {
  const { options, hostConfig, snapshotBytes, limitPages } = input;
  const host = new WasiHost(hostConfig);
  const missing = prepared.imports.filter((name) => !(name in host.imports));
  if (missing.length) throw new InstantiationError(`the component imports interfaces wasi-rewind does not provide: ${missing.join(', ')}`);
  const tracked = options.strategy === 'snapshot';
  if (tracked && options.boundsChecks === 'real') throw new InvalidOptionsError('boundsChecks', [COMPONENT_REFUSAL]);
  const variant: GlueVariant = tracked ? prepared.rewound : prepared.plain;
  const linker = tracked ? new CoreLinker(prepared.infos, limitPages) : undefined;
  const probe = initProbe(input);
  let exports: Record<string, unknown>;
  try {
    exports = variant.instantiate(
      (name) => variant.modules.get(name)!,
      probe ? probe.wrap(host.imports) : host.imports,
      linker?.instantiateCore ?? ((m, i) => new WebAssembly.Instance(m, i as WebAssembly.Imports)),
    ) as Record<string, unknown>;
  } catch (e) {
    throw new InstantiationError(`cannot instantiate the component: ${(e as Error).message ?? e}`, { cause: e });
  }
  const runIface = prepared.runExport ? exports[prepared.runExport] as { run: () => unknown } : null;
  const live: Live = { host, run: runIface && (() => runIface.run()), exports: exportTable(exports, prepared.exports), initOutput: null, warnings: [] };
  if (prepared.hintExport) {
    const iface = exports[prepared.hintExport] as { policy: () => unknown };
    live.hint = () => iface.policy();
  }
  if (options.strategy === 'guest') {
    const iface = exports[prepared.resetExport!] as { reset: () => unknown };
    live.guestReset = () => iface.reset();
  }
  if (linker) {
    const bindings = exports[GLUE_STATE_KEY] as GlueBindings;
    live.parts = { componentHash: prepared.hash, cacheFormat: CACHE_FORMAT, linker, bindings, host };
    if (snapshotBytes) applySnapshot(live.parts, snapshotBytes, { maxPages: limitPages ?? 65536 }, options.snapshotKey);
    else live.initOutput = runInit(options, linker, host, bindings, probe);
    live.warnings = probe?.warnings(options) ?? [];
    live.afterRestore = afterRestoreHook(options, linker, host, bindings);
    live.snapshot = new StateSnapshot(linker, bindings, host);
  }
  return live;
}
