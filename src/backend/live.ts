// What a ReusableInstance holds for one instantiation, whichever backend
// made it: the host, how to run, and (snapshot strategy) how to rewind.
import { InitProbe, type InitOutput } from '../post-init.js';
import type { Callable } from '../reactor/exports.js';
import type { ResolvedOptions } from '../options.js';
import type { LiveParts } from '../snapshot-file/snapshot-file.js';
import type { StateSnapshot } from '../state-snapshot.js';
import type { HostConfig, WasiHost } from '../../shims/host.js';

export interface Live {
  host: WasiHost;
  /** wasi:cli/run (or a command's _start); null when the component has none. */
  run: (() => unknown) | null;
  /** Exports callable by WIT name (empty on the native preview1 path: it runs _start only). */
  exports: Map<string, Callable>;
  /** wasi-rewind:reuse/hint#policy, when the component declares a reuse preference. */
  hint?: () => unknown;
  /** Per-run state of the backend, set up after the host's beginRun (the preview1 descriptor table). */
  beginRun?: () => void;
  snapshot?: StateSnapshot;
  /**
   * Called after the host's reset instead of the snapshot's restore, when the
   * backend may replace the instance: boundsChecks 'real' after a run that
   * outgrew the snapshot's memory (src/backend/renew.ts), memoryTracking
   * 'auto' when it switches mode (src/backend/auto.ts). Returns the Live the
   * next run uses (this one, restored, or a fresh instance rewound to the
   * snapshot) and the chunks written.
   */
  rewind?: () => { live: Live; chunks: number };
  /** Told the guest time of each run or call (memoryTracking 'auto' measures its modes). */
  ran?: (ms: number) => void;
  /** memoryTracking 'auto': the mode the instance runs in, and how often it switched. */
  memoryMode?: () => { mode: 'marks' | 'scan' | 'scan+real'; switches: number };
  guestReset?: () => unknown;
  /** The afterRestore export, called before each run once the run's host state is set. */
  afterRestore?: () => void;
  parts?: LiveParts;
  /** Why saveSnapshot cannot write this instance's state, if it cannot. */
  unsaveable?: string;
  initOutput: InitOutput | null;
  /** What the init read that runs may see frozen (InitProbe). */
  warnings: string[];
}

export interface BackendInput {
  options: ResolvedOptions;
  hostConfig: HostConfig;
  /** A snapshot file to start from instead of running the init. */
  snapshotBytes: Uint8Array | null;
  /** Guest pages one memory may grow to (maxMemoryMiB), if limited. */
  limitPages: number | undefined;
}

/** Counts what an init reads (only when an init will run, not from a snapshot file). */
export function initProbe({ options, snapshotBytes }: BackendInput): InitProbe | undefined {
  return options.strategy === 'snapshot' && options.init && !snapshotBytes ? new InitProbe() : undefined;
}
