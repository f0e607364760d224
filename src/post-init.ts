// Post-init snapshots (like Wizer, at run time): the core export named by the
// `init` option is called once after instantiation, so the snapshot taken
// next includes what it computed. The oracle a reused run must equal is a
// fresh instance + the same init + the run (specs/real-programs.md).
//
// The init sees a fixed world (INIT_WORLD), never a run's: a guest that caches
// what it reads at init (libc's environ, a hash seed from wasi:random) would
// otherwise carry create-time values into every run. What it cannot see
// cannot leak, but what it caches stays frozen; InitProbe counts the host
// calls an init makes to such interfaces so create() can warn about them.
import type { CoreLinker } from './core/linker.js';
import { InstantiationError, InvalidOptionsError } from './errors.js';
import type { GlueBindings } from './glue/patch.js';
import { GlueState } from './glue/state.js';
import type { ResolvedOptions } from './options.js';
import { outcomeOf } from './run-outcome.js';
import { transientBindings } from './snapshot-file/glue-codec.js';
import type { ImportObject, WasiHost } from '../shims/host.js';

export interface InitOutput { stdout: Buffer; stderr: Buffer }

/** What the init sees: argv[0] only, an empty environment, empty stdin; clocks and random as configured. */
export const INIT_WORLD = { env: [] as [string, string][], stdin: new Uint8Array() };

/** Interfaces whose answers a guest may cache at init, by what they provide. */
const WATCHED: Record<string, 'environment' | 'clocks' | 'random'> = {
  'wasi:cli/environment': 'environment',
  'wasi:clocks/monotonic-clock': 'clocks',
  'wasi:clocks/wall-clock': 'clocks',
  'wasi:random/random': 'random',
  'wasi:random/insecure': 'random',
  'wasi:random/insecure-seed': 'random',
};
export type Watched = (typeof WATCHED)[string];

/** Counts calls into WATCHED interfaces while `active` (only during the init). */
export class InitProbe {
  active = false;
  /** Per kind: host function -> number of calls during the init. */
  readonly calls: Record<Watched, Map<string, number>> = { environment: new Map(), clocks: new Map(), random: new Map() };

  /** The import object the glue is instantiated with: watched functions are wrapped once. */
  wrap(imports: ImportObject): ImportObject {
    const wrapped = new Map<string, Record<string, unknown>>();
    return new Proxy(imports, {
      get: (target, key) => {
        const iface = target[key as string];
        const kind = typeof key === 'string' ? WATCHED[key.replace(/@[^/]*$/, '')] : undefined;
        if (!iface || !kind) return iface;
        let w = wrapped.get(key as string);
        if (!w) wrapped.set(key as string, (w = this.wrapInterface(iface, kind, (key as string).replace(/@[^/]*$/, ''))));
        return w;
      },
    });
  }

  private wrapInterface(iface: Record<string, unknown>, kind: Watched, name: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [fn, value] of Object.entries(iface)) {
      if (typeof value !== 'function') { out[fn] = value; continue; }
      const call = value as (...args: unknown[]) => unknown;
      out[fn] = (...args: unknown[]) => {
        this.note(kind, `${name}#${fn}`);
        return call(...args);
      };
    }
    return out;
  }

  /** Records a host call; a host path that does not go through wrap() (e.g. a native preview1 host) calls it directly. */
  note(kind: Watched, call: string): void {
    if (this.active) this.calls[kind].set(call, (this.calls[kind].get(call) ?? 0) + 1);
  }

  /**
   * What the init read that the guest may have cached, where a fresh instance
   * with the same init would differ between runs (crypto random, real clocks)
   * or where runs cannot see their own values (environment, arguments).
   */
  warnings(options: ResolvedOptions): string[] {
    const seen = (kind: Watched) => [...this.calls[kind].keys()].join(', ');
    const out: string[] = [];
    if (this.calls.environment.size) {
      out.push(`init ${options.init} read the environment or arguments (${seen('environment')}): a guest that caches them at init (e.g. libc's environ) sees the init's empty environment in every run, not the run's`);
    }
    if (this.calls.random.size && options.random === 'crypto') {
      out.push(`init ${options.init} drew random values (${seen('random')}): anything derived from them (e.g. a hash seed) is frozen in the snapshot and the same in every run, where a fresh instance draws new ones`);
    }
    if (this.calls.clocks.size && options.clock === 'real') {
      out.push(`init ${options.init} read clocks (${seen('clocks')}): times computed at init are frozen in the snapshot (e.g. a start time or a time-based seed)`);
    }
    return out;
  }
}

function findExport(options: ResolvedOptions, linker: CoreLinker, option: 'init' | 'afterRestore'): (() => unknown) | undefined {
  const name = options[option];
  if (!name) return undefined;
  const fn = linker.instances.map((i) => i.exports[name]).find((f) => typeof f === 'function');
  if (!fn) throw new InvalidOptionsError('options', [`${option}: no core module of this program exports a function "${name}"`]);
  return fn as () => unknown;
}

/**
 * A core call outside any lifted export: afterwards the glue's task
 * bookkeeping is put back where it was (handles the call created stay).
 */
function callCore(fn: () => unknown, bindings: GlueBindings, host: WasiHost): void {
  const before = new GlueState(bindings);
  try {
    fn();
  } finally {
    before.restore(transientBindings(bindings, host));
  }
}

/** Calls the init export, if one is named; returns what it printed (null: no init). */
export function runInit(options: ResolvedOptions, linker: CoreLinker, host: WasiHost, bindings: GlueBindings, probe?: InitProbe): InitOutput | null {
  const init = findExport(options, linker, 'init');
  if (!init) return null;
  host.beginRun({ args: [options.programName], env: INIT_WORLD.env, cwd: options.cwd, stdin: INIT_WORLD.stdin });
  if (probe) probe.active = true;
  try {
    callCore(init, bindings, host);
  } catch (e) {
    const { exitCode, trap } = outcomeOf(e);
    throw new InstantiationError(`init function ${options.init} failed: ${trap?.message ?? `exit code ${exitCode}`}`, { cause: e });
  } finally {
    if (probe) probe.active = false;
  }
  const out = host.endRun();
  host.fs.snapshot(); // files the init wrote are part of the starting point
  return { stdout: out.stdout, stderr: out.stderr };
}

/** The afterRestore hook, if one is named: call it after the run's host state is set, before the run. */
export function afterRestoreHook(options: ResolvedOptions, linker: CoreLinker, host: WasiHost, bindings: GlueBindings): (() => void) | undefined {
  const fn = findExport(options, linker, 'afterRestore');
  return fn && (() => callCore(fn, bindings, host));
}
