// WasiHost: the resettable WASI 0.2 host of one instance. It owns the state of
// every interface (streams, clocks, random, file system) and hands the glue an
// import object that answers both `wasi:cli/stdout` and any versioned name
// such as `wasi:cli/stdout@0.2.3`, so every 0.2.x a component imports links.
import { Cli, type RunIo } from './cli.js';
import { Clocks, type ClockConfig } from './clocks.js';
import { createFilesystem } from './filesystem.js';
import { createHttp, type HttpOptions } from './http/index.js';
import { fields, fsFingerprint, HostState } from './host-state.js';
import { createIo } from './io.js';
import { Random, type RandomConfig } from './random.js';
import { createSockets } from './sockets.js';
import type { Limits } from './fs/volume.js';
import { VirtualFs, type Mount, type Tree } from './vfs.js';

export interface HostConfig {
  mounts: Mount[];
  clock: ClockConfig;
  random: RandomConfig;
  /** Bytes of stdout (and of stderr) kept per run. */
  captureLimit: number;
  /** Keep file system changes across resets. */
  keepFsChanges: boolean;
  /** Most bytes one guest call may make the host allocate (random bytes); default DEFAULT_MAX_CALL_BYTES. */
  maxCallBytes?: number;
  /** File system quotas (defaults: shims/fs/volume.ts). */
  fsLimits?: Partial<Limits>;
  /** wasi:http options (outgoing requests are denied by default). */
  http?: HttpOptions;
  /** Wraps the import table once, before any binding sees it (src/lab counts host calls). */
  wrapImports?: (table: ImportObject) => ImportObject;
}

/** Default bound on one guest call's host allocation: more than any legitimate random request. */
export const DEFAULT_MAX_CALL_BYTES = 64 << 20;

export interface HostRunInput extends RunIo {
  /** Files written into the volume for this run only (rewound by the next reset). */
  files?: Tree;
}

export type HostObject =
  | { kind: 'stdio'; name: 'stdin' | 'stdout' | 'stderr' }
  | { kind: 'directory'; path: string; root: string; flags: Record<string, boolean | undefined> };

export type ImportObject = Record<string, Record<string, unknown>>;

export class WasiHost {
  readonly fs: VirtualFs;
  readonly imports: ImportObject;
  /** What verifyRestore compares with the snapshot (host-state.ts). */
  readonly state = new HostState();
  private readonly io: ReturnType<typeof createIo>;
  private readonly cli: Cli;
  private readonly clocks: Clocks;
  private readonly random: Random;
  private readonly directories: ReturnType<typeof createFilesystem>['codec'];
  private readonly http: ReturnType<typeof createHttp>;

  constructor(private readonly config: HostConfig) {
    const io = this.io = createIo();
    const filesystem = createFilesystem(io, this.fs = new VirtualFs(config.mounts, { clock: config.clock, limits: config.fsLimits }));
    this.directories = filesystem.codec;
    this.cli = new Cli(io, config.captureLimit);
    this.clocks = new Clocks(config.clock);
    this.random = new Random(config.random, Math.min(config.maxCallBytes ?? DEFAULT_MAX_CALL_BYTES, DEFAULT_MAX_CALL_BYTES));
    this.http = createHttp(io, config.http);
    const table: ImportObject = {
      'wasi:io/error': { Error: io.IoError },
      'wasi:io/poll': { Pollable: io.Pollable, poll: io.poll },
      'wasi:io/streams': { InputStream: io.InputStream, OutputStream: io.OutputStream },
      ...this.cli.interfaces(),
      ...this.clocks.interfaces(io.Pollable),
      ...this.random.interfaces(),
      ...filesystem.interfaces,
      ...createSockets(),
      ...this.http.interfaces,
    };
    // With keepFsChanges the file system is meant to move on from the snapshot.
    if (!config.keepFsChanges) this.state.add('file system', 'reset', () => fsFingerprint(this.fs));
    this.state.add('per-run state', 'host', () => fields({
      clock: this.clocks.position, random: this.random.position, fsClock: this.fs.ticks, ...this.cli.position,
    }));
    const wrapped = config.wrapImports ? config.wrapImports(table) : table;
    this.imports = new Proxy(wrapped, {
      get: (t, key) => (typeof key === 'string' ? t[key.replace(/@[^/]*$/, '')] : undefined),
      has: (t, key) => typeof key === 'string' && key.replace(/@[^/]*$/, '') in t,
    });
  }

  /** Prepares per-run state. The file system must already be reset. */
  beginRun(input: HostRunInput): void {
    this.io.beginRun();
    this.http.beginRun();
    this.clocks.reset();
    this.random.reset();
    this.fs.beginRun();
    this.cli.begin(input);
    this.state.runStarted('host'); // before the run's own files move the file system clock
    if (input.files) this.fs.applyFiles(input.files);
  }

  endRun() {
    return this.cli.end();
  }

  /** Describes a host object the glue holds, for snapshot files (undefined: not describable). */
  describe(obj: unknown): HostObject | undefined {
    const stdio = this.cli.stdioName(obj);
    if (stdio) return { kind: 'stdio', name: stdio };
    const dir = this.directories.describe(obj);
    return dir ? { kind: 'directory', ...dir } : undefined;
  }

  revive(desc: HostObject): unknown {
    return desc.kind === 'stdio' ? this.cli.stdioObject(desc.name) : this.directories.revive(desc);
  }

  /** Rewinds host state that outlives a run (the file system). */
  reset(): void {
    this.fs.reset(this.config.keepFsChanges);
  }
}
