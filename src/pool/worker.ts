// A RewindPool worker thread: holds one ReusableInstance (created from the
// pool's workerData on the first request) and serves one request at a time.
// Results cross the thread boundary as plain data.
import { parentPort, workerData } from 'node:worker_threads';
import { RewindError, type RewindErrorCode } from '../errors.js';
import { ReusableInstance, type RunResult } from '../instance.js';
import type { CreateOptions, RunOptions } from '../options.js';
import { callHandler, type HttpReply, type HttpWork } from '../serve/http-call.js';
import { joinShared, type SharedState } from './shared.js';

const { input, options, shared } = workerData as { input: string | Uint8Array; options: CreateOptions; shared?: SharedState };
joinShared(shared, parentPort!);
let instance: Promise<ReusableInstance> | undefined;

export type PoolRunResult = Omit<RunResult, 'stdout' | 'stderr'> & { stdout: Uint8Array; stderr: Uint8Array };

/** A RewindError as plain data: error classes do not survive the thread boundary. */
export interface WorkerFailure { failed: { code: RewindErrorCode; message: string; issues?: string[] } }

/**
 * A run, or `{ warmup: true }`: instantiate (no guest code runs), and with
 * `run` also do that run once (its result is dropped); or `{ http }`: one
 * wasi:http request through the component's incoming-handler.
 */
export type PoolRequest = Omit<RunOptions, 'onStdout' | 'onStderr' | 'stdin'> & { stdin?: string | Uint8Array; warmup?: boolean; run?: PoolRequest; http?: HttpWork };
export type WorkerReply = PoolRunResult | HttpReply | WorkerFailure | null;

async function handle(request: PoolRequest): Promise<WorkerReply> {
  try {
    instance ??= ReusableInstance.create(input, options);
    const inst = await instance;
    if (request.warmup) {
      if (request.run?.http) callHandler(inst, request.run.http);
      else if (request.run) inst.runSync(request.run);
      return null;
    }
    if (request.http) return callHandler(inst, request.http);
    const r = inst.runSync(request);
    return { ...r, stdout: new Uint8Array(r.stdout), stderr: new Uint8Array(r.stderr) };
  } catch (e) {
    if (e instanceof RewindError) return { failed: { code: e.code, message: e.message, issues: (e as { issues?: string[] }).issues } };
    return { failed: { code: 'WORKER_FAILED', message: `unexpected failure in the worker: ${(e as Error)?.message ?? e}` } };
  }
}

parentPort!.on('message', async ({ id, request }: { id: number; request: PoolRequest }) => {
  parentPort!.postMessage({ id, reply: await handle(request) });
});
