// A RewindPool worker thread: holds one ReusableInstance (created on first
// use from the pool's workerData) and serves runs on it. Results cross the
// thread boundary as plain data.
import { workerData } from 'node:worker_threads';
import { RewindError, type RewindErrorCode } from '../errors.js';
import { ReusableInstance, type RunResult } from '../instance.js';
import type { CreateOptions, RunOptions } from '../options.js';

const { input, options } = workerData as { input: string | Uint8Array; options: CreateOptions };
let instance: Promise<ReusableInstance> | undefined;

export type PoolRunResult = Omit<RunResult, 'stdout' | 'stderr'> & { stdout: Uint8Array; stderr: Uint8Array };

/** A RewindError as plain data: error classes do not survive the thread boundary. */
export interface WorkerFailure { failed: { code: RewindErrorCode; message: string; issues?: string[] } }

/** `{ warmup: true }` only prepares and instantiates (no guest code runs). */
export default async function run(request: Omit<RunOptions, 'onStdout' | 'onStderr'> & { warmup?: boolean }): Promise<PoolRunResult | WorkerFailure | null> {
  try {
    instance ??= ReusableInstance.create(input, options);
    const { warmup, ...runOptions } = request;
    if (warmup) return (await instance, null);
    const r = await (await instance).run(runOptions);
    return { ...r, stdout: new Uint8Array(r.stdout), stderr: new Uint8Array(r.stderr) };
  } catch (e) {
    if (!(e instanceof RewindError)) throw e;
    return { failed: { code: e.code, message: e.message, issues: (e as { issues?: string[] }).issues } };
  }
}
