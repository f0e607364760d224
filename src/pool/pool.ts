// RewindPool: N worker threads (piscina), each holding a ready instance.
// A run that exceeds its time limit is aborted: piscina terminates that
// worker (the only way to stop wasm) and starts a replacement, so the pool
// keeps serving. A bounded queue gives back-pressure: beyond it, run()
// rejects at once with QueueFullError.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { z } from 'zod';
import { RewindError, reviveError, TimeoutError } from '../errors.js';
import { createOptionsSchema, type CreateOptions, type RunOptions, validate } from '../options.js';
import type { PoolRunResult, WorkerFailure } from './worker.js';

export class QueueFullError extends RewindError {
  constructor(limit: number) { super('QUEUE_FULL', `the pool's queue is full (${limit} waiting runs)`); }
}
export class PoolClosedError extends RewindError {
  constructor() { super('POOL_CLOSED', 'the pool is closed'); }
}

const poolOptionsSchema = z.object({
  workers: z.number().int().positive().max(256).default(Math.max(1, availableParallelism() - 1)),
  /** Per-run limit, counted from submission (queueing included); a running guest over it has its worker replaced. */
  timeoutMs: z.number().int().positive().default(30_000),
  /** Runs allowed to wait for a worker; more are rejected. */
  maxQueue: z.number().int().nonnegative().default(1024),
  instance: z.custom<CreateOptions>((v) => v === undefined || (typeof v === 'object' && v !== null)).default({}),
}).strict();
export type PoolOptions = z.input<typeof poolOptionsSchema>;

/** Turns a worker's reported failure back into the typed error. */
function unwrap<T>(result: T | WorkerFailure): T {
  if (result && typeof result === 'object' && 'failed' in result) throw reviveError(result.failed);
  return result as T;
}

const entry = fileURLToPath(new URL('./worker-entry.mjs', import.meta.url));

export class RewindPool {
  private closed = false;
  private timedOut = 0;

  private constructor(private readonly piscina: Piscina, private readonly options: z.output<typeof poolOptionsSchema>) {}

  static async create(input: string | Uint8Array, options: PoolOptions = {}): Promise<RewindPool> {
    const opts = validate(poolOptionsSchema, options, 'pool options');
    validate(createOptionsSchema, opts.instance, 'instance options');
    const piscina = new Piscina({
      filename: entry,
      minThreads: opts.workers,
      maxThreads: opts.workers,
      maxQueue: opts.maxQueue,
      workerData: { input, options: opts.instance },
    });
    const pool = new RewindPool(piscina, opts);
    // Prepare and instantiate in every worker before serving; a bad input fails here.
    try {
      await Promise.all(Array.from({ length: opts.workers }, async () => unwrap(await piscina.run({ warmup: true }))));
    } catch (e) {
      await piscina.destroy();
      throw e;
    }
    return pool;
  }

  async run(request: Omit<RunOptions, 'onStdout' | 'onStderr' | 'stdin'> & { stdin?: string | Uint8Array } = {}): Promise<PoolRunResult> {
    if (this.closed) throw new PoolClosedError();
    if (this.piscina.queueSize >= this.options.maxQueue) throw new QueueFullError(this.options.maxQueue);
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    try {
      return unwrap(await this.piscina.run(request, { signal })) as PoolRunResult;
    } catch (e) {
      if (e instanceof RewindError) throw e;
      if (signal.aborted) {
        this.timedOut++;
        throw new TimeoutError(`run exceeded ${this.options.timeoutMs} ms; its worker was terminated and replaced`);
      }
      if (/queue is at limit/i.test(String((e as Error).message))) throw new QueueFullError(this.options.maxQueue);
      throw e;
    }
  }

  stats() {
    return { workers: this.piscina.threads.length, queued: this.piscina.queueSize, completed: this.piscina.completed, timedOut: this.timedOut };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.piscina.destroy();
  }
}
