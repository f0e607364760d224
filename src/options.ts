// Options of ReusableInstance.create and run(), validated with zod so that a
// mistake is reported as one InvalidOptionsError listing every problem.
import { z } from 'zod';
import { InvalidOptionsError } from './errors.js';
import { resetPolicySchema, type ResetPolicy } from './reactor/policy.js';
import { httpOptionsSchema } from '../shims/http/options.js';
import { memoryTrackings } from './rewrite/info.js';

const tree: z.ZodType<Record<string, unknown>> = z.lazy(() =>
  z.record(z.string(), z.union([z.string(), z.instanceof(Uint8Array), tree])),
);

/** Zod reports bad record keys without the key's own message, so keys are checked here. */
const keysMatch = <T extends z.ZodType>(record: T, test: RegExp, message: string) =>
  record.refine((r) => Object.keys(r as object).every((k) => test.test(k)), message);
const absolute = /^\//;
const absoluteMessage = 'guest paths are absolute, e.g. "/data"';

/** The memoryTracking option: the rewrite's two modes, or 'auto' (src/backend/auto.ts). */
export const memoryTrackingOptions = [...memoryTrackings, 'auto'] as const;

/** The boundsChecks option; 'real' and 'unchecked' both run the rewrite's bounds 'real' (rewrite/info.ts). */
export const boundsCheckOptions = ['virtual', 'real', 'unchecked'] as const;
export type BoundsCheckOption = (typeof boundsCheckOptions)[number];

export const strategies = ['snapshot', 'reinstantiate', 'none', 'guest'] as const;
export type Strategy = (typeof strategies)[number];

const env = keysMatch(z.record(z.string(), z.string()), /^[^=]+$/, 'environment variable names cannot contain "="');
const nanos = z.union([z.bigint().nonnegative(), z.number().int().nonnegative()]).transform((v) => BigInt(v));

export const createOptionsSchema = z.object({
  strategy: z.enum(strategies).default('snapshot'),
  /**
   * When calls and runs rewind the instance first (src/reactor/policy.ts);
   * unset: the component's reuse hint (specs/wit/reuse.wit), else 'always'.
   */
  reset: resetPolicySchema.optional(),
  /** Preopened directories: guest path -> host directory (copied in) or an in-memory tree. */
  dirs: keysMatch(z.record(z.string(), z.union([z.string().min(1), tree])), absolute, absoluteMessage).default({}),
  /** argv[0] the guest sees. */
  programName: z.string().default('main'),
  /** Defaults for every run; a run's own args/env replace them. */
  args: z.array(z.string()).default([]),
  env: env.default({}),
  cwd: z.string().optional(),
  clock: z.union([
    z.literal('real'),
    z.object({ virtual: z.object({ startNs: nanos.default(1_700_000_000_000_000_000n), stepNs: nanos.default(1000n) }).default({ startNs: 1_700_000_000_000_000_000n, stepNs: 1000n }) }),
  ]).default('real'),
  random: z.union([z.literal('crypto'), z.object({ seed: z.number().int().nonnegative() })]).default('crypto'),
  keepFsChanges: z.boolean().default(false),
  /** File system quotas (defaults in shims/fs/volume.ts): a guest past one gets insufficient-space or file-too-large. */
  fsLimits: z.object({
    maxBytes: z.number().int().positive().optional(),
    maxEntries: z.number().int().positive().optional(),
    maxFileBytes: z.number().int().positive().max(2 ** 31).optional(),
  }).strict().default({}),
  /** Guest memory limit: memory.grow beyond it fails, as on a host with that much memory. */
  maxMemoryMiB: z.number().int().positive().max(4096).optional(),
  /** wasi:http host options (outgoing requests are denied unless allow-listed). */
  http: httpOptionsSchema.optional(),
  /** Bytes kept of each of stdout and stderr per run. */
  captureLimitBytes: z.number().int().positive().default(64 << 20),
  /**
   * Post-init snapshot: the core export (e.g. Wizer's "wizer.initialize") called
   * once after instantiation, before the snapshot; no init unless named. It
   * sees a fixed environment (see specs/real-programs.md). Snapshot strategy
   * only; the other strategies do not call it.
   */
  init: z.union([z.string().min(1), z.literal(false)]).default(false),
  /**
   * A core export called before every run (after the restore), with the run's
   * args, env, clocks and random: lets a guest refresh what its init cached
   * (e.g. re-seed). Snapshot strategy only.
   */
  afterRestore: z.string().min(1).optional(),
  /** Start from a snapshot file written by saveSnapshot() (no init runs). Snapshot strategy only. */
  snapshotFile: z.string().min(1).optional(),
  /**
   * Key (at least 16 bytes) authenticating snapshot files with HMAC-SHA256:
   * saveSnapshot signs with it, and snapshotFile must carry a valid tag for it.
   */
  snapshotKey: z.union([z.string().min(16), z.custom<Uint8Array>((k) => k instanceof Uint8Array && k.length >= 16, 'expected a key of at least 16 bytes')]).optional(),
  /**
   * How a wasip1 command core module runs: 'native' (wasi-rewind's own
   * preview1, exact exit codes) or 'adapter' (wrapped into a component with
   * jco's preview1 adapter, run through jco's glue). Components and reactors
   * always take the component path.
   */
  preview1: z.enum(['native', 'adapter']).default('native'),
  /**
   * How the snapshot strategy finds the memory a run wrote: 'marks' (each
   * write marks its 4 KiB chunk; the restore copies marked chunks back) or
   * 'scan' (writes are not marked; the restore compares all memory with the
   * snapshot). 'scan' suits large guests whose writes are many and scattered
   * (e.g. CPython); see specs/speed.md. Both restore exactly. 'auto'
   * (wasip1 commands on the native path) measures and switches at rewinds
   * between marks and scan with real bounds, whichever runs the program
   * faster (src/backend/auto.ts); elsewhere it is 'marks'.
   */
  memoryTracking: z.enum(memoryTrackingOptions).default('marks'),
  /**
   * 'virtual' (exact): loads and stores are checked against the memory size
   * the guest sees. 'real' (exact, faster): loads and stores are left to the
   * engine's check against the real memory, which is kept the size the guest
   * sees: after a run that grew it, the next run gets a fresh instance of the
   * module, rewound to the snapshot (wasip1 commands on the native path only).
   * 'unchecked' (fastest, not exact): as 'real' without the fresh instance, so
   * an access between the guest's size and the size an earlier run grew the
   * memory to reads zeros or writes where a fresh instance traps; see
   * specs/semantics.md. 'real' and 'unchecked' need memoryTracking 'scan'.
   */
  boundsChecks: z.enum(boundsCheckOptions).default('virtual'),
  /** After each restore, compare all memory with the snapshot (slow; for tests and debugging). */
  verifyRestore: z.boolean().default(false),
}).strict()
  .refine((o) => !o.snapshotFile || o.strategy === 'snapshot', { message: 'snapshotFile needs strategy "snapshot"', path: ['snapshotFile'] })
  .refine((o) => !o.afterRestore || o.strategy === 'snapshot', { message: 'afterRestore needs strategy "snapshot"', path: ['afterRestore'] })
  // Unchecked stores would mark chunks beyond the range the restore walks.
  .refine((o) => o.boundsChecks === 'virtual' || o.memoryTracking === 'scan', { message: 'boundsChecks "real" and "unchecked" need memoryTracking "scan" ("auto" chooses its bounds checks itself)', path: ['boundsChecks'] });

export type CreateOptions = z.input<typeof createOptionsSchema>;
export type ResolvedOptions = z.output<typeof createOptionsSchema>;

const chunk = z.union([z.instanceof(Uint8Array), z.string()]);
const asyncIterable = z.custom<AsyncIterable<Uint8Array | string>>(
  (v) => v !== null && typeof v === 'object' && Symbol.asyncIterator in (v as object),
  'expected an async iterable of chunks (e.g. a Readable stream)',
);

const callback = z.custom<(chunk: Uint8Array) => void>((v) => typeof v === 'function', 'expected a function');

export const runOptionsSchema = z.object({
  args: z.array(z.string()).optional(),
  env: env.optional(),
  cwd: z.string().optional(),
  stdin: z.union([chunk, asyncIterable]).optional(),
  /** Files added under existing paths for this run only, e.g. { "/data/in.txt": "..." }. */
  files: keysMatch(z.record(z.string(), z.union([z.string(), z.instanceof(Uint8Array), tree])), absolute, absoluteMessage).optional(),
  onStdout: callback.optional(),
  onStderr: callback.optional(),
  /** This call's reset policy, instead of the instance's. */
  reset: resetPolicySchema.optional(),
}).strict();

/** runSync() takes stdin as bytes or a string only. */
export const runSyncOptionsSchema = runOptionsSchema.extend({ stdin: chunk.optional() });

export type RunOptions = {
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  stdin?: string | Uint8Array | AsyncIterable<Uint8Array | string>;
  files?: Record<string, string | Uint8Array | Record<string, unknown>>;
  onStdout?: (chunk: Uint8Array) => void;
  onStderr?: (chunk: Uint8Array) => void;
  reset?: ResetPolicy;
};

/** Each schema's result for `{}`: a call without options (the common per-run case) skips parsing. */
const noOptions = new WeakMap<z.ZodType, unknown>();

export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  if (value === undefined || isEmptyObject(value)) {
    let empty = noOptions.get(schema) as z.output<S> | undefined;
    if (empty === undefined) noOptions.set(schema, (empty = parseOrThrow(schema, {}, what)));
    return (typeof empty === 'object' && empty !== null ? { ...empty } : empty) as z.output<S>;
  }
  return parseOrThrow(schema, value, what);
}

/** A plain object with no own enumerable keys (`{}`), told without building a key list. */
function isEmptyObject(value: unknown): boolean {
  if ((value as object | null)?.constructor !== Object) return false;
  for (const _ in value as object) return false;
  return true;
}

function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new InvalidOptionsError(what, parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
}
