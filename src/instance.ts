// ReusableInstance: one component instance whose exports (wasi:cli/run with
// run(), any export with call()) can be called any number of times. A reset
// policy (src/reactor/policy.ts) says before which calls it is rewound: by
// default before every one. Strategy `snapshot` rewinds memory, globals,
// tables, glue and host state to just after instantiation;
// `reinstantiate` builds a fresh instance instead (the baseline); `none`
// reuses the instance without any reset (a command's second run traps);
// `guest` calls the component's own wasi-rewind:reset/reset export instead
// of a host snapshot (host state is still rewound by the host).
// Two backends make the instance (src/backend): a component through jco's
// glue, or a wasip1 command natively through src/preview1.
import { basename } from 'node:path';
import { writeFile } from 'node:fs/promises';
// Imported, not the global: the global `performance` is a lazy getter, read three times per run.
import { performance } from 'node:perf_hooks';
import { instantiateComponent } from './backend/component.js';
import type { Live } from './backend/live.js';
import { instantiateNative } from './backend/native.js';
import { InvalidOptionsError, InvalidValueError, ReentrantCallError, RestoreError, SnapshotFileError, UnknownExportError, WrongWorldError } from './errors.js';
import { encodeSnapshot, readSnapshotFile } from './snapshot-file/snapshot-file.js';
import { saveSnapshotOptionsSchema, type SaveSnapshotOptions } from './snapshot-file/codec.js';
import type { InitOutput } from './post-init.js';
import { createOptionsSchema, runOptionsSchema, runSyncOptionsSchema, validate, type CreateOptions, type ResolvedOptions, type RunOptions } from './options.js';
import { prepare, prepareOptionsFor, type Prepared } from './prepare.js';
import { endingOf, isGlueValueError, outcomeOf, type Ending, type Trap } from './run-outcome.js';
import { policyFromHint } from './reactor/hint.js';
import { wantsReset, type ResetPolicy, type SinceReset } from './reactor/policy.js';
import { stampValue, unstampArgs } from './reactor/stamp.js';
import type { HostConfig, ImportObject } from '../shims/host.js';
import { readStdin } from './stdin.js';
import type { Mount, Tree } from '../shims/vfs.js';

/** A run without stdin reads this (empty: nothing can write to it). */
const NO_STDIN = new Uint8Array(0);

export interface RunResult {
  /** null when the run trapped. */
  exitCode: number | null;
  stdout: Buffer;
  stderr: Buffer;
  trap?: Trap;
  /** True when stdout or stderr exceeded captureLimitBytes and was cut. */
  truncated: boolean;
  /** The guest call's time. */
  durationMs: number;
  /** Time spent rewinding before this run and setting the host up for it (0 when nothing needed a rewind). */
  resetMs: number;
  /** 4 KiB chunks of memory copied back or zeroed before this run. */
  chunksRestored: number;
}

/** Options of one call(): those of runSync, and this call's reset policy. */
export type CallOptions = Omit<RunOptions, 'stdin'> & { stdin?: Uint8Array | string };

export interface CallResult {
  /** What the export returned (for a result type: its ok value); undefined after an error, exit or trap. */
  value?: unknown;
  /** The payload of a result-typed export's `err` (jco raises it). */
  error?: unknown;
  /** The guest called wasi:cli/exit (a fresh instance would end there). */
  exitCode?: number;
  trap?: Trap;
  stdout: Buffer;
  stderr: Buffer;
  truncated: boolean;
  durationMs: number;
  resetMs: number;
  chunksRestored: number;
  /** True when the instance was rewound before this call. */
  reset: boolean;
}

/** What one guest entry produced, before it is shaped as a RunResult or a CallResult. */
interface Entry {
  ending: Ending;
  value: unknown;
  error: unknown;
  out: { stdout: Buffer; stderr: Buffer; truncated: boolean };
  durationMs: number;
  resetMs: number;
  chunksRestored: number;
  reset: boolean;
}

/** Watches an instance without changing what runs see (src/lab); without one nothing is wrapped or called. */
export interface RunObserver {
  wrapImports?(table: ImportObject): ImportObject;
  /** After each instantiation: the state every restore returns to. */
  instantiated?(live: Live): void;
  /** After each run, before anything rewinds it. */
  afterRun?(live: Live, result: RunResult): void;
}

export class ReusableInstance {
  private live!: Live;
  private observer: RunObserver | undefined;
  private dirty = false;
  private runs = 0;
  /** Rewinds so far: values call() returned are stamped with it (src/reactor/stamp.ts). */
  private epoch = 0;
  private since: SinceReset = { calls: 0, failed: false };
  private resetPolicy: ResetPolicy = 'always';
  /** A guest entry is running: a host callback (onStdout...) must not enter or rewind the instance. */
  private busy = false;
  private snapshotBytes: Uint8Array | null = null;
  private defaultArgs: string[] = [];
  private defaultEnv: [string, string][] = [];

  private constructor(readonly prepared: Prepared, readonly options: ResolvedOptions) {}

  static async create(input: string | Uint8Array, options: CreateOptions = {}, observer?: RunObserver): Promise<ReusableInstance> {
    if (typeof input !== 'string' && !(input instanceof Uint8Array)) throw new InvalidOptionsError('input', ['expected a file path or the bytes of a component or module']);
    const resolved = validate(createOptionsSchema, options, 'options') as ResolvedOptions;
    if (typeof input === 'string' && !options.programName) resolved.programName = basename(input);
    const inst = new ReusableInstance(await prepare(input, prepareOptionsFor(resolved)), resolved);
    // What a run without its own args/env gets (the host only reads them).
    inst.defaultArgs = [resolved.programName, ...resolved.args];
    inst.defaultEnv = Object.entries(resolved.env);
    inst.observer = observer;
    if (resolved.snapshotFile) inst.snapshotBytes = await readSnapshotFile(resolved.snapshotFile, { maxPages: inst.limitPages ?? 65536 });
    if (resolved.strategy === 'guest' && (inst.prepared.kind !== 'component' || !inst.prepared.resetExport)) {
      throw new WrongWorldError('strategy "guest" needs a component that exports wasi-rewind:reset/reset (see specs/wit/reset.wit)');
    }
    inst.live = inst.instantiate();
    if (resolved.reset) inst.resetPolicy = resolved.reset;
    else if (inst.live.hint && resolved.strategy !== 'none') inst.resetPolicy = inst.askHint(inst.live.hint);
    return inst;
  }

  /** Calls the reuse hint once, then rewinds, so the call leaves no trace. */
  private askHint(hint: () => unknown): ResetPolicy {
    const entry = this.enter({}, 'always', hint);
    this.reset();
    this.runs = 0; // the hint's call is the host's, not one of the instance's runs
    const policy = entry.ending.kind === 'returned' ? policyFromHint(entry.value) : null;
    if (policy) return policy;
    this.warnings = [...this.warnings, 'the component\'s reuse hint (wasi-rewind:reuse/hint#policy) failed or returned no valid policy: using "always"'];
    return 'always';
  }

  /** Guest pages one memory may grow to (maxMemoryMiB), if limited. */
  private get limitPages(): number | undefined {
    return this.options.maxMemoryMiB ? this.options.maxMemoryMiB * 16 : undefined;
  }

  get strategy() {
    return this.options.strategy;
  }

  /** The instance's reset policy: the reset option, else the component's reuse hint, else 'always'. */
  get policy(): ResetPolicy {
    return this.resetPolicy;
  }

  private hostConfig(): HostConfig {
    const mounts: Mount[] = Object.entries(this.options.dirs).map(([guestPath, source]) => ({
      guestPath,
      source: typeof source === 'string' ? { hostDir: source } : { tree: source as Tree },
    }));
    return {
      mounts,
      clock: this.options.clock,
      random: this.options.random,
      captureLimit: this.options.captureLimitBytes,
      keepFsChanges: this.options.keepFsChanges,
      ...(this.limitPages ? { maxCallBytes: this.limitPages * 65536 } : {}),
      fsLimits: this.options.fsLimits,
      ...(this.options.http ? { http: this.options.http } : {}),
      ...(this.observer?.wrapImports ? { wrapImports: (t: ImportObject) => this.observer!.wrapImports!(t) } : {}),
    };
  }

  private instantiate(): Live {
    const input = { options: this.options, hostConfig: this.hostConfig(), snapshotBytes: this.snapshotBytes, limitPages: this.limitPages };
    const live = this.prepared.kind === 'component' ? instantiateComponent(this.prepared, input) : instantiateNative(this.prepared, input);
    if (live.initOutput) this.initOutput = live.initOutput;
    this.warnings = live.warnings;
    this.observer?.instantiated?.(live);
    return live;
  }

  /** Writes the snapshot (post-instantiation, post-init state) to a file another process can start from. */
  async saveSnapshot(path: string, options: SaveSnapshotOptions = {}): Promise<void> {
    const { compression } = validate(saveSnapshotOptionsSchema, options, 'snapshot options');
    if (!this.live.parts) throw new SnapshotFileError(`saveSnapshot needs strategy "snapshot" (this instance uses "${this.options.strategy}")`);
    if (this.live.unsaveable) throw new SnapshotFileError(`cannot save this instance: ${this.live.unsaveable}`);
    // The live state is then the snapshot state; with boundsChecks 'real' possibly on a new instance, so its parts are read after.
    this.reset();
    const bytes = encodeSnapshot(this.live.parts!, this.options.snapshotKey, compression);
    try {
      await writeFile(path, bytes);
    } catch (e) {
      throw new SnapshotFileError(`cannot write snapshot file ${path}: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Output of the init function, when one ran (see the `init` option). */
  initOutput: InitOutput | null = null;

  /** What the init read that runs may see frozen (see the `init` option); empty without an init. */
  warnings: string[] = [];

  /** Rewinds the instance now (run() does it lazily when needed). */
  reset(): { resetMs: number; chunksRestored: number } {
    this.notBusy();
    const start = performance.now();
    const chunksRestored = this.rewind();
    return { resetMs: performance.now() - start, chunksRestored };
  }

  /** The rewind itself, untimed; returns the number of memory chunks restored. */
  private rewind(): number {
    let chunksRestored = 0;
    if (this.dirty) {
      if (this.options.strategy === 'reinstantiate') this.live = this.instantiate();
      else if (this.live.guestReset) {
        this.live.host.reset();
        try {
          this.live.guestReset();
        } catch (e) {
          // jco raises the guest's `err` (or a trap); the instance cannot be trusted any more.
          throw new RestoreError(`the guest's reset failed: ${(e as { payload?: unknown }).payload ?? (e as Error).message}`, { cause: e });
        }
      } else if (this.live.snapshot) {
        this.live.host.reset();
        if (this.live.rewind) {
          const { live, chunks } = this.live.rewind();
          if (live !== this.live) this.observer?.instantiated?.(live);
          this.live = live;
          chunksRestored = chunks;
        } else chunksRestored = this.live.snapshot.restore();
        if (this.options.verifyRestore) this.live.snapshot!.verify();
      }
      if (this.options.strategy !== 'none') {
        this.dirty = false;
        this.epoch++;
        this.since.calls = 0;
        this.since.failed = false;
      }
    }
    return chunksRestored;
  }

  private notBusy(): void {
    if (this.busy) throw new ReentrantCallError('the instance is running a call: a host callback (onStdout, onStderr) cannot call, run or rewind it');
  }

  /** Whether a call under `policy` rewinds first. */
  private rewindsBefore(policy: ResetPolicy): boolean {
    return this.dirty && this.options.strategy !== 'none' && wantsReset(policy, this.since);
  }

  async run(options: RunOptions = {}): Promise<RunResult> {
    const opts = validate(runOptionsSchema, options, 'run options') as RunOptions;
    // Only a stream is awaited: with bytes, a string or no stdin the run starts at once (a host
    // callback calling run() then meets the reentrancy check, as one calling call() does).
    const { stdin } = opts;
    const bytes = stdin === undefined || typeof stdin === 'string' || stdin instanceof Uint8Array ? stdin : await readStdin(stdin);
    return this.runValidated({ ...opts, stdin: bytes });
  }

  /** run() for callers that already hold stdin as bytes (no await between runs). */
  runSync(options?: Omit<RunOptions, 'stdin'> & { stdin?: Uint8Array | string }): RunResult {
    return this.runValidated(validate(runSyncOptionsSchema, options, 'run options') as CallOptions);
  }

  private runValidated(opts: CallOptions): RunResult {
    if (!this.live.run) throw new WrongWorldError(`the component does not export wasi:cli/run@0.2.x: call its exports with call() (${this.exportNames().join(', ')})`);
    const entry = this.enter(opts, opts.reset ?? this.resetPolicy, () => this.live.run!());
    const { exitCode, trap } = outcomeOf(entry.error);
    const result: RunResult = {
      exitCode, stdout: entry.out.stdout, stderr: entry.out.stderr, truncated: entry.out.truncated,
      durationMs: entry.durationMs, resetMs: entry.resetMs, chunksRestored: entry.chunksRestored,
    };
    if (trap) result.trap = trap;
    this.observer?.afterRun?.(this.live, result);
    return result;
  }

  /**
   * Names call() accepts: root functions (`transform`), interface functions
   * (`pkg:ns/iface@1.0.0#transform`) and resource functions
   * (`iface#[constructor]r`, `iface#[method]r.m`, `iface#[static]r.f`,
   * `iface#[drop]r`). Empty on the native preview1 path (run() only).
   */
  exportNames(): string[] {
    return [...this.live.exports.keys()];
  }

  /**
   * Calls an export synchronously, after a rewind if the reset policy (this
   * call's, else the instance's) asks for one. Arguments and the value use
   * jco's JS mapping of WIT types; resources returned are only valid until
   * the next rewind (StaleValueError after it).
   */
  call(name: string, args: unknown[] = [], options: CallOptions = {}): CallResult {
    if (typeof name !== 'string') throw new InvalidOptionsError('call', ['export name: expected a string']);
    if (!Array.isArray(args)) throw new InvalidOptionsError('call', ['arguments: expected an array']);
    const opts = validate(runSyncOptionsSchema, options, 'call options') as CallOptions;
    const target = this.live.exports.get(name);
    if (!target) {
      const available = this.exportNames();
      const why = this.prepared.kind === 'preview1' ? ' (a wasip1 command on the native preview1 path has run() only)' : '';
      throw new UnknownExportError(`the component has no export named ${JSON.stringify(name)}${why}; it has: ${available.join(', ') || 'none'}`, available);
    }
    if (args.length !== target.arity) throw new InvalidValueError(`${name} takes ${target.arity} argument${target.arity === 1 ? '' : 's'}, got ${args.length}`);
    const policy = opts.reset ?? this.resetPolicy;
    // A rewind now makes every value returned so far stale: checked before it happens.
    const plain = unstampArgs(args, this, this.rewindsBefore(policy) ? this.epoch + 1 : this.epoch);
    const entry = this.enter(opts, policy, () => this.live.exports.get(name)!(plain), true);
    const result: CallResult = {
      stdout: entry.out.stdout, stderr: entry.out.stderr, truncated: entry.out.truncated,
      durationMs: entry.durationMs, resetMs: entry.resetMs, chunksRestored: entry.chunksRestored, reset: entry.reset,
    };
    const { ending } = entry;
    if (ending.kind === 'returned' && entry.value instanceof Promise) {
      // A component-model async export: its work would go on after this synchronous call.
      entry.value.catch(() => {});
      this.since.failed = true;
      result.trap = { kind: 'host-error', message: `${name} is an async export, which call() (synchronous) does not support` };
    } else if (ending.kind === 'returned') result.value = stampValue(entry.value, this, () => this.epoch);
    else if (ending.kind === 'err') result.error = stampValue(ending.payload, this, () => this.epoch);
    else if (ending.kind === 'exit') result.exitCode = ending.code;
    else if (ending.kind === 'trap' && ending.trap.kind === 'host-error' && isGlueValueError(entry.error)) {
      throw new InvalidValueError(`${name}: ${entry.error.message} (an argument does not fit the export's WIT type, or the guest returned a value that does not)`, { cause: entry.error });
    } else result.trap = ending.trap;
    return result;
  }

  /**
   * One guest entry: rewinds if the policy asks, sets up the host for it
   * (args, env, stdin, files, capture), calls, and collects the output.
   */
  private enter(opts: CallOptions, policy: ResetPolicy, fn: () => unknown, deepStacks = false): Entry {
    this.notBusy();
    const rewind = this.rewindsBefore(policy);
    // One clock read less per run (each is ~40 ns, a tenth of a reused hello): the rewind's end
    // is the host's setup start, and resetMs covers both, up to the guest call's start.
    const rewound = rewind ? performance.now() : 0;
    const chunksRestored = rewind ? this.rewind() : 0;
    const { host } = this.live;
    const stdin = typeof opts.stdin === 'string' ? Buffer.from(opts.stdin) : opts.stdin ?? NO_STDIN;
    host.beginRun({
      args: opts.args ? [this.options.programName, ...opts.args] : this.defaultArgs,
      env: opts.env ? Object.entries(opts.env) : this.defaultEnv,
      cwd: opts.cwd ?? this.options.cwd,
      stdin,
      files: opts.files as Tree | undefined,
      onStdout: opts.onStdout,
      onStderr: opts.onStderr,
    });
    this.live.beginRun?.();
    this.dirty = true;
    this.runs++;
    this.since.calls++;
    const start = performance.now();
    const resetMs = rewind ? start - rewound : 0;
    let error: unknown;
    let value: unknown;
    // call(): deep enough to see the guest's wasm frames below a host import's error (isGlueValueError).
    const limit = Error.stackTraceLimit;
    if (deepStacks) Error.stackTraceLimit = 200;
    this.busy = true;
    try {
      this.live.afterRestore?.();
      value = fn();
    } catch (e) {
      error = e;
    } finally {
      this.busy = false;
      if (deepStacks) Error.stackTraceLimit = limit;
    }
    const durationMs = performance.now() - start;
    this.live.ran?.(durationMs);
    const out = host.endRun();
    const ending = endingOf(error);
    if (ending.kind === 'exit' || ending.kind === 'trap') this.since.failed = true;
    return { ending, value, error, out, durationMs, resetMs, chunksRestored, reset: rewind };
  }

  /** Figures that must stay flat across runs (snapshot strategy). */
  stats() {
    const stats = { runs: this.runs, ...(this.live.snapshot?.stats() ?? { memoryPages: [], realMemoryBytes: [], glueEntries: 0 }) };
    // memoryTracking 'auto', where it can switch (src/backend/auto.ts).
    return this.live.memoryMode ? { ...stats, memoryMode: this.live.memoryMode() } : stats;
  }

  /** The virtual file system as a tree (after the last run, before its reset). */
  files(): Tree {
    return this.live.host.fs.toTree();
  }
}
