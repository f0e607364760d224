// RewindPool: N worker threads, each holding a ready instance, fed from one
// bounded FIFO queue. Two separate limits:
// - timeoutMs counts execution only, from the moment a worker takes the run.
//   A run over it has its worker terminated (the only way to stop wasm).
// - queueTimeoutMs bounds the wait for a worker; a run waiting longer is
//   rejected with QueueTimeoutError without ever running.
// A replacement worker takes work only once it is warm (instance created and
// one run done), so the runs behind a runaway one do not pay its cold start.
// Beyond maxQueue waiting runs, run() rejects at once (back-pressure).
// Workers share the compiled modules and snapshot images (shared.ts): the
// program is prepared once here, and the first worker starts alone so that
// the others adopt its images.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import { InvalidOptionsError, RewindError, reviveError, TimeoutError } from '../errors.js';
import { createOptionsSchema, runOptionsSchema, type CreateOptions, type ResolvedOptions, validate } from '../options.js';
import { basename } from 'node:path';
import { readInput } from '../load.js';
import { prepareOptionsFor, transferablePrepared } from '../prepare.js';
import { isImageReport, SharedPoolState, type SharedState } from './shared.js';
import type { HttpReply, HttpWork } from '../serve/http-call.js';
import type { PoolRequest, PoolRunResult, WorkerFailure, WorkerReply } from './worker.js';

export class QueueFullError extends RewindError {
  constructor(limit: number) { super('QUEUE_FULL', `the pool's queue is full (${limit} waiting runs)`); }
}
export class QueueTimeoutError extends RewindError {
  constructor(ms: number) { super('QUEUE_TIMEOUT', `no worker became free within ${ms} ms`); }
}
export class PoolClosedError extends RewindError {
  constructor() { super('POOL_CLOSED', 'the pool is closed'); }
}

/** What a pooled run accepts: plain data that crosses the thread boundary (no callbacks, stdin as bytes). */
const poolRunSchema = runOptionsSchema.omit({ onStdout: true, onStderr: true }).extend({ stdin: z.union([z.string(), z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected bytes')]).optional() });
export type PoolRunOptions = z.input<typeof poolRunSchema>;

const poolOptionsSchema = z.object({
  workers: z.number().int().positive().max(256).default(Math.max(1, availableParallelism() - 1)),
  /** Execution time limit of one run; a run over it has its worker replaced. */
  timeoutMs: z.number().int().positive().default(30_000),
  /** Most time a run may wait for a free worker (default: no limit beyond maxQueue). */
  queueTimeoutMs: z.number().int().positive().optional(),
  /** Runs allowed to wait for a worker; more are rejected. */
  maxQueue: z.number().int().nonnegative().default(1024),
  /** The run a new worker does before it takes work (warms the JIT); false: instantiate only. */
  warmRun: z.union([poolRunSchema, z.literal(false)]).default({}),
  instance: z.custom<CreateOptions>((v) => v === undefined || (typeof v === 'object' && v !== null)).default({}),
}).strict();
export type PoolOptions = z.input<typeof poolOptionsSchema>;
type Resolved = z.output<typeof poolOptionsSchema>;

const entry = fileURLToPath(new URL('./worker-entry.mjs', import.meta.url));

interface Job {
  request: PoolRequest;
  resolve: (r: never) => void;
  reject: (e: unknown) => void;
  queueTimer?: NodeJS.Timeout;
}

/** One worker thread and the job it runs (at most one). */
class Slot {
  readonly worker: Worker;
  job: Job | null = null;
  private timer?: NodeJS.Timeout;
  private nextId = 0;

  constructor(input: string | Uint8Array, options: CreateOptions, shared: SharedState, onImages: (m: unknown) => void, private readonly onExit: (slot: Slot, error: unknown) => void) {
    this.worker = new Worker(entry, { workerData: { input, options, shared } });
    this.worker.on('message', onImages);
    this.worker.on('error', (e) => this.onExit(this, e));
    this.worker.on('exit', (code) => this.onExit(this, new Error(`worker exited with code ${code}`)));
  }

  /** Sends one request; resolves with the worker's reply, rejects with TimeoutError after `ms`. */
  send(request: PoolRequest, ms: number): Promise<WorkerReply> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      const onMessage = (m: { id: number; reply: WorkerReply }) => {
        if (m.id !== id) return;
        clearTimeout(this.timer);
        this.worker.off('message', onMessage);
        resolve(m.reply);
      };
      this.worker.on('message', onMessage);
      this.timer = setTimeout(() => {
        this.worker.off('message', onMessage);
        reject(new TimeoutError(`run exceeded ${ms} ms; its worker was terminated and replaced`));
      }, ms);
      try {
        this.worker.postMessage({ id, request });
      } catch (e) {
        clearTimeout(this.timer);
        this.worker.off('message', onMessage);
        reject(new InvalidOptionsError('run options', [`cannot send the run to a worker: ${(e as Error).message}`]));
      }
    });
  }

  stop(): Promise<number> {
    clearTimeout(this.timer);
    this.worker.removeAllListeners('exit');
    this.worker.removeAllListeners('error');
    this.worker.on('error', () => {});
    return this.worker.terminate();
  }
}

/** A worker's reported failure back as the typed error. */
function unwrap(reply: WorkerReply): PoolRunResult | null {
  if (reply && typeof reply === 'object' && 'failed' in reply) throw reviveError((reply as WorkerFailure).failed);
  return reply as PoolRunResult | null;
}

export class RewindPool {
  private closed = false;
  private readonly idle: Slot[] = [];
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private counts = { completed: 0, timedOut: 0, queueTimedOut: 0, replaced: 0 };
  private readonly shared: SharedPoolState;

  private constructor(private readonly input: string | Uint8Array, private readonly o: Resolved, prepared: SharedPoolState) {
    this.shared = prepared;
  }

  static async create(input: string | Uint8Array, options: PoolOptions = {}): Promise<RewindPool> {
    const opts = validate(poolOptionsSchema, options, 'pool options');
    const instance = validate(createOptionsSchema, opts.instance, 'instance options') as ResolvedOptions;
    if (typeof input !== 'string' && !(input instanceof Uint8Array)) throw new InvalidOptionsError('input', ['expected a file path or the bytes of a component or module']);
    // Compiled once, here; the workers receive the modules (a bad input fails here, typed).
    const bytes = await readInput(input);
    const prepared = await transferablePrepared(bytes, prepareOptionsFor(instance));
    let workerInput = input;
    if (prepared) {
      // The workers hash the input (to find the prepared program) but need not read or hold it each.
      workerInput = new Uint8Array(new SharedArrayBuffer(bytes.length));
      workerInput.set(bytes);
      if (typeof input === 'string' && opts.instance.programName === undefined) opts.instance = { ...opts.instance, programName: basename(input) };
    }
    const pool = new RewindPool(workerInput, opts, new SharedPoolState(prepared));
    // Every worker instantiates and warms up before serving; the first alone, so the others adopt its images.
    const first = await Promise.allSettled([pool.startWorker()]);
    const started = first[0]!.status === 'rejected' ? first
      : await Promise.allSettled(Array.from({ length: opts.workers - 1 }, () => pool.startWorker()));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      await pool.close();
      throw (failed as PromiseRejectedResult).reason;
    }
    return pool;
  }

  /** Starts a worker and makes it available once warm. */
  private async startWorker(warmRun = this.o.warmRun): Promise<void> {
    const onImages = (m: unknown) => { if (isImageReport(m)) this.shared.add(m); };
    const slot = new Slot(this.input, this.o.instance, this.shared.state(), onImages, (s, e) => this.lost(s, e));
    this.slots.add(slot);
    try {
      // Instantiation has no time limit of its own (a cache miss compiles); the warm run has timeoutMs.
      unwrap(await slot.send({ warmup: true }, 2 ** 31 - 1));
      if (warmRun) await slot.send({ warmup: true, run: warmRun }, this.o.timeoutMs);
    } catch (e) {
      this.slots.delete(slot);
      await slot.stop();
      // A warm run that spins: this worker is stuck, a new one skips the warm run.
      if (e instanceof TimeoutError && !this.closed) return this.startWorker(false);
      throw e;
    }
    if (this.closed) return void slot.stop();
    this.release(slot);
  }

  /** A worker died (or was terminated for a timeout): fail its job and replace it. */
  private lost(slot: Slot, error: unknown): void {
    if (!this.slots.delete(slot)) return;
    const i = this.idle.indexOf(slot);
    if (i >= 0) this.idle.splice(i, 1);
    slot.job?.reject(error instanceof RewindError ? error : new RewindError('WORKER_FAILED', `the worker running this request failed: ${(error as Error)?.message ?? error}`));
    slot.job = null;
    void slot.stop();
    if (this.closed) return;
    this.counts.replaced++;
    this.replace();
  }

  /**
   * Starts a worker in place of a lost one. Instantiation worked before, but
   * a replacement can still fail (e.g. the input file is gone): the pool is
   * then a worker short, and with none left the queued runs fail instead of
   * waiting for a worker that never comes; the next run tries again.
   */
  private replace(): void {
    this.startWorker().catch((e: unknown) => {
      if (this.closed || this.slots.size > 0) return;
      const failure = new RewindError('WORKER_FAILED', `no worker could be started in place of a lost one: ${(e as Error)?.message ?? e}`);
      for (const job of this.queue.splice(0)) {
        clearTimeout(job.queueTimer);
        job.reject(failure);
      }
    });
  }

  private release(slot: Slot): void {
    slot.job = null;
    if (!this.slots.has(slot)) return;
    this.idle.push(slot);
    this.dispatch();
  }

  private dispatch(): void {
    while (this.idle.length && this.queue.length) {
      const job = this.queue.shift()!;
      clearTimeout(job.queueTimer);
      this.execute(this.idle.shift()!, job);
    }
  }

  private execute(slot: Slot, job: Job): void {
    slot.job = job;
    slot.send(job.request, this.o.timeoutMs).then(
      (reply) => {
        slot.job = null;
        try {
          const result = unwrap(reply);
          this.counts.completed++;
          job.resolve(result as never);
        } catch (e) {
          job.reject(e);
        }
        this.release(slot);
      },
      (e) => {
        if (e instanceof TimeoutError) {
          this.counts.timedOut++;
          slot.job = null;
          job.reject(e);
          this.lost(slot, e);
        } else {
          job.reject(e);
          this.release(slot);
        }
      },
    );
  }

  run(request: PoolRunOptions = {}): Promise<PoolRunResult> {
    if (this.closed) return Promise.reject(new PoolClosedError());
    let valid: PoolRequest;
    try {
      valid = validate(poolRunSchema, request, 'run options') as PoolRequest;
    } catch (e) {
      return Promise.reject(e);
    }
    return this.enqueue(valid);
  }

  /** Serves one wasi:http request (the worker calls the component's incoming-handler). */
  runHttp(work: HttpWork): Promise<HttpReply> {
    if (this.closed) return Promise.reject(new PoolClosedError());
    return this.enqueue({ http: work });
  }

  private enqueue<T>(valid: PoolRequest): Promise<T> {
    if (this.queue.length >= this.o.maxQueue && !this.idle.length) return Promise.reject(new QueueFullError(this.o.maxQueue));
    return new Promise<T>((resolve, reject) => {
      const job: Job = { request: valid, resolve, reject };
      if (this.o.queueTimeoutMs !== undefined) {
        const ms = this.o.queueTimeoutMs;
        job.queueTimer = setTimeout(() => {
          const i = this.queue.indexOf(job);
          if (i < 0) return;
          this.queue.splice(i, 1);
          this.counts.queueTimedOut++;
          reject(new QueueTimeoutError(ms));
        }, ms);
      }
      this.queue.push(job);
      if (this.slots.size === 0) this.replace();
      this.dispatch();
    });
  }

  stats() {
    return { workers: this.slots.size, ready: this.idle.length, queued: this.queue.length, ...this.counts, sharedImages: this.shared.imageCount };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) {
      clearTimeout(job.queueTimer);
      job.reject(new PoolClosedError());
    }
    const slots = [...this.slots];
    this.slots.clear();
    this.idle.length = 0;
    for (const s of slots) s.job?.reject(new PoolClosedError());
    await Promise.all(slots.map((s) => s.stop()));
  }
}
