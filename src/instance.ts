// ReusableInstance: one component instance whose wasi:cli/run can be called
// any number of times. Strategy `snapshot` rewinds memory, globals, tables,
// glue and host state to just after instantiation before each run;
// `reinstantiate` builds a fresh instance per run (the baseline); `none`
// reuses the instance without any reset (a command's second run traps);
// `guest` calls the component's own wasi-rewind:reset/reset export instead
// of a host snapshot (host state is still rewound by the host).
// Two backends make the instance (src/backend): a component through jco's
// glue, or a wasip1 command natively through src/preview1.
import { basename } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { instantiateComponent } from './backend/component.js';
import type { Live } from './backend/live.js';
import { instantiateNative } from './backend/native.js';
import { InvalidOptionsError, RestoreError, SnapshotFileError, WrongWorldError } from './errors.js';
import { encodeSnapshot, readSnapshotFile } from './snapshot-file/snapshot-file.js';
import { saveSnapshotOptionsSchema, type SaveSnapshotOptions } from './snapshot-file/codec.js';
import type { InitOutput } from './post-init.js';
import { createOptionsSchema, runOptionsSchema, runSyncOptionsSchema, validate, type CreateOptions, type ResolvedOptions, type RunOptions } from './options.js';
import { prepare, type Prepared } from './prepare.js';
import { outcomeOf, type Trap } from './run-outcome.js';
import type { HostConfig } from '../shims/host.js';
import { readStdin } from './stdin.js';
import type { Mount, Tree } from '../shims/vfs.js';

export interface RunResult {
  /** null when the run trapped. */
  exitCode: number | null;
  stdout: Buffer;
  stderr: Buffer;
  trap?: Trap;
  /** True when stdout or stderr exceeded captureLimitBytes and was cut. */
  truncated: boolean;
  durationMs: number;
  /** Time spent rewinding before this run (0 when nothing needed it). */
  resetMs: number;
  /** 4 KiB chunks of memory copied back or zeroed before this run. */
  chunksRestored: number;
}

export class ReusableInstance {
  private live!: Live;
  private dirty = false;
  private runs = 0;
  private snapshotBytes: Uint8Array | null = null;
  private defaultArgs: string[] = [];
  private defaultEnv: [string, string][] = [];

  private constructor(readonly prepared: Prepared, readonly options: ResolvedOptions) {}

  static async create(input: string | Uint8Array, options: CreateOptions = {}): Promise<ReusableInstance> {
    if (typeof input !== 'string' && !(input instanceof Uint8Array)) throw new InvalidOptionsError('input', ['expected a file path or the bytes of a component or module']);
    const resolved = validate(createOptionsSchema, options, 'options') as ResolvedOptions;
    if (typeof input === 'string' && !options.programName) resolved.programName = basename(input);
    const inst = new ReusableInstance(await prepare(input, { preview1: resolved.preview1, rewrite: resolved.strategy === 'snapshot' }), resolved);
    // What a run without its own args/env gets (the host only reads them).
    inst.defaultArgs = [resolved.programName, ...resolved.args];
    inst.defaultEnv = Object.entries(resolved.env);
    if (resolved.snapshotFile) inst.snapshotBytes = await readSnapshotFile(resolved.snapshotFile, { maxPages: inst.limitPages ?? 65536 });
    if (resolved.strategy === 'guest' && (inst.prepared.kind !== 'component' || !inst.prepared.resetExport)) {
      throw new WrongWorldError('strategy "guest" needs a component that exports wasi-rewind:reset/reset (see specs/wit/reset.wit)');
    }
    inst.live = inst.instantiate();
    return inst;
  }

  /** Guest pages one memory may grow to (maxMemoryMiB), if limited. */
  private get limitPages(): number | undefined {
    return this.options.maxMemoryMiB ? this.options.maxMemoryMiB * 16 : undefined;
  }

  get strategy() {
    return this.options.strategy;
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
    };
  }

  private instantiate(): Live {
    const input = { options: this.options, hostConfig: this.hostConfig(), snapshotBytes: this.snapshotBytes, limitPages: this.limitPages };
    const live = this.prepared.kind === 'component' ? instantiateComponent(this.prepared, input) : instantiateNative(this.prepared, input);
    if (live.initOutput) this.initOutput = live.initOutput;
    this.warnings = live.warnings;
    return live;
  }

  /** Writes the snapshot (post-instantiation, post-init state) to a file another process can start from. */
  async saveSnapshot(path: string, options: SaveSnapshotOptions = {}): Promise<void> {
    const { compression } = validate(saveSnapshotOptionsSchema, options, 'snapshot options');
    const { parts } = this.live;
    if (!parts) throw new SnapshotFileError(`saveSnapshot needs strategy "snapshot" (this instance uses "${this.options.strategy}")`);
    if (this.live.unsaveable) throw new SnapshotFileError(`cannot save this instance: ${this.live.unsaveable}`);
    this.reset(); // the live state is then the snapshot state
    const bytes = encodeSnapshot(parts, this.options.snapshotKey, compression);
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
    const start = performance.now();
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
        chunksRestored = this.live.snapshot.restore();
        if (this.options.verifyRestore) this.live.snapshot.verify();
      }
      if (this.options.strategy !== 'none') this.dirty = false;
    }
    return { resetMs: performance.now() - start, chunksRestored };
  }

  async run(options: RunOptions = {}): Promise<RunResult> {
    const opts = validate(runOptionsSchema, options, 'run options') as RunOptions;
    const stdin = await readStdin(opts.stdin);
    return this.runValidated({ ...opts, stdin });
  }

  /** run() for callers that already hold stdin as bytes (no await between runs). */
  runSync(options: Omit<RunOptions, 'stdin'> & { stdin?: Uint8Array | string } = {}): RunResult {
    return this.runValidated(validate(runSyncOptionsSchema, options, 'run options') as typeof options);
  }

  private runValidated(opts: Omit<RunOptions, 'stdin'> & { stdin?: Uint8Array | string }): RunResult {
    const { resetMs, chunksRestored } = this.reset();
    const { host } = this.live;
    const stdin = typeof opts.stdin === 'string' ? Buffer.from(opts.stdin) : opts.stdin ?? new Uint8Array();
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
    const start = performance.now();
    let error: unknown;
    try {
      this.live.afterRestore?.();
      this.live.run();
    } catch (e) {
      error = e;
    }
    const durationMs = performance.now() - start;
    const out = host.endRun();
    const { exitCode, trap } = outcomeOf(error);
    const result: RunResult = {
      exitCode, stdout: out.stdout, stderr: out.stderr, truncated: out.truncated,
      durationMs, resetMs, chunksRestored,
    };
    if (trap) result.trap = trap;
    return result;
  }

  /** Figures that must stay flat across runs (snapshot strategy). */
  stats() {
    return { runs: this.runs, ...(this.live.snapshot?.stats() ?? { memoryPages: [], realMemoryBytes: [], glueEntries: 0 }) };
  }

  /** The virtual file system as a tree (after the last run, before its reset). */
  files(): Tree {
    return this.live.host.fs.toTree();
  }
}
