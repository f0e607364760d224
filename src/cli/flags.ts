// CLI flag schemas (zod) shared by the subcommands.
import { z } from 'zod';
import { boundsCheckOptions, memoryTrackingOptions, strategies } from '../options.js';
import { parsePolicy, type ResetPolicy } from '../reactor/policy.js';

/** `--reset`: a reset policy (src/reactor/policy.ts) as always, never, on-trap, every=N (also every:N). */
export const resetFlag = z.string().transform((v, ctx): ResetPolicy => {
  const policy = parsePolicy(v.replace(/^every:/, 'every='));
  if (!policy) {
    ctx.addIssue({ code: 'custom', message: '--reset is always, never, on-trap or every=N' });
    return z.NEVER;
  }
  return policy;
});

export const dirFlag = z.string().regex(/^[^:]+::\/.*$/, 'use --dir HOST_DIR::/GUEST_PATH').transform((v) => {
  const [host, guest] = v.split('::') as [string, string];
  return { host, guest };
});
export const envFlag = z.string().regex(/^[^=]+=/, 'use --env NAME=VALUE').transform((v) => {
  const at = v.indexOf('=');
  return [v.slice(0, at), v.slice(at + 1)] as [string, string];
});
const number = (name: string) => z.string().regex(/^\d+$/, `${name} must be a whole number`).transform(Number);
export const count = (name: string, max = Number.MAX_SAFE_INTEGER) =>
  number(name).pipe(z.number().int().positive(`${name} must be at least 1`).max(max, `${name} must be at most ${max}`));

export const runFlags = z.object({
  file: z.string({ message: 'missing the component or module to run' }).min(1),
  dir: z.array(dirFlag).default([]),
  env: z.array(envFlag).default([]),
  times: count('--times').default(1),
  strategy: z.enum(strategies).default('snapshot'),
  /** Start from this snapshot file. */
  snapshot: z.string().min(1).optional(),
  /** Write the snapshot (after instantiation and any init) to this file before running. */
  saveSnapshot: z.string().min(1).optional(),
  /** File holding the key that authenticates snapshot files (HMAC-SHA256), for --snapshot and --save-snapshot. */
  snapshotKeyFile: z.string().min(1).optional(),
  /** Post-init snapshot: the core export to call once before the snapshot (e.g. wizer.initialize). */
  init: z.string().min(1).optional(),
  /** A core export to call before every run, after the restore. */
  afterRestore: z.string().min(1).optional(),
  /** CreateOptions.memoryTracking and boundsChecks (src/options.ts). */
  memoryTracking: z.enum(memoryTrackingOptions).optional(),
  boundsChecks: z.enum(boundsCheckOptions).optional(),
  args: z.array(z.string()).default([]),
}).strict();

export const benchFlags = z.object({
  file: z.string({ message: 'missing the component or module to benchmark' }).min(1),
  runs: count('--runs').default(1000),
  json: z.string().optional(),
  html: z.string().optional(),
  dir: z.array(dirFlag).default([]),
  /** Post-init snapshot: the core export to call once before the snapshot (e.g. wizer.initialize). */
  init: z.string().min(1).optional(),
  /** A core export to call before every run, after the restore. */
  afterRestore: z.string().min(1).optional(),
  /** Compare reset strategies on this program instead (src/bench/strategies.ts). */
  strategies: z.boolean().default(false),
  args: z.array(z.string()).default([]),
}).strict();

export const serveFlags = z.object({
  file: z.string({ message: 'missing the component or module to serve' }).min(1),
  port: number('--port').pipe(z.number().max(65535, '--port is out of range (0-65535)')).default(8080),
  host: z.string().default('127.0.0.1'),
  workers: count('--workers').default(2),
  strategy: z.enum(strategies).default('snapshot'),
  timeout: count('--timeout').default(10_000),
  /** Most milliseconds a request may wait for a worker. */
  queueTimeout: count('--queue-timeout').optional(),
  /** On SIGINT/SIGTERM: most milliseconds the requests in flight may take to finish (src/cli/serve.ts). */
  drainTimeout: count('--drain-timeout', 3_600_000).default(10_000),
  maxBody: count('--max-body').optional(),
  maxHeader: count('--max-header', 1 << 20).optional(),
  /** wasi:http components: when the instance is rewound (always, never, on-trap, every=N). */
  reset: resetFlag.optional(),
  memoryTracking: z.enum(memoryTrackingOptions).optional(),
  boundsChecks: z.enum(boundsCheckOptions).optional(),
  /** wasi:http components: authorities outgoing requests may reach. */
  allowOutgoing: z.array(z.string()).default([]),
  dir: z.array(dirFlag).default([]),
  args: z.array(z.string()).default([]),
}).strict();
