// Post-init snapshots (like Wizer, at run time): if a core module exports
// the init function named by the `init` option, it is called once after
// instantiation, so the snapshot taken next includes what it computed.
import type { CoreLinker } from './core/linker.js';
import { InstantiationError } from './errors.js';
import type { GlueBindings } from './glue/patch.js';
import { GlueState } from './glue/state.js';
import type { ResolvedOptions } from './options.js';
import { outcomeOf } from './run-outcome.js';
import { transientBindings } from './snapshot-file/glue-codec.js';
import type { WasiHost } from '../shims/host.js';

export interface InitOutput { stdout: Buffer; stderr: Buffer }

/** Calls the init export, if there is one; returns what it printed (null: no init). */
export function runInit(options: ResolvedOptions, linker: CoreLinker, host: WasiHost, bindings: GlueBindings): InitOutput | null {
  const name = options.init;
  const init = name ? linker.instances.map((i) => i.exports[name]).find((f) => typeof f === 'function') : undefined;
  if (!init) return null;
  const beforeInit = new GlueState(bindings);
  host.beginRun({ args: [options.programName, ...options.args], env: Object.entries(options.env), cwd: options.cwd, stdin: new Uint8Array() });
  try {
    (init as () => void)();
  } catch (e) {
    const { exitCode, trap } = outcomeOf(e);
    throw new InstantiationError(`init function ${name} failed: ${trap?.message ?? `exit code ${exitCode}`}`, { cause: e });
  }
  // The init is a core call outside any lifted export: put the glue's task
  // bookkeeping back where instantiation left it (handles the init created stay).
  beforeInit.restore(transientBindings(bindings, host));
  const out = host.endRun();
  host.fs.snapshot(); // files the init wrote are part of the starting point
  return { stdout: out.stdout, stderr: out.stderr };
}
