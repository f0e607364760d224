// What a ReusableInstance holds for one instantiation, whichever backend
// made it: the host, how to run, and (snapshot strategy) how to rewind.
import type { InitOutput } from '../post-init.js';
import type { ResolvedOptions } from '../options.js';
import type { LiveParts } from '../snapshot-file/snapshot-file.js';
import type { StateSnapshot } from '../state-snapshot.js';
import type { HostConfig, WasiHost } from '../../shims/host.js';

export interface Live {
  host: WasiHost;
  run: () => unknown;
  /** Per-run state of the backend, set up after the host's beginRun (the preview1 descriptor table). */
  beginRun?: () => void;
  snapshot?: StateSnapshot;
  guestReset?: () => unknown;
  parts?: LiveParts;
  initOutput: InitOutput | null;
}

export interface BackendInput {
  options: ResolvedOptions;
  hostConfig: HostConfig;
  /** A snapshot file to start from instead of running the init. */
  snapshotBytes: Uint8Array | null;
}
