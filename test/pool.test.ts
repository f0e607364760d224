// RewindPool: worker threads with ready instances, execution-only time
// limits, a queue-wait limit, warm replacements and back-pressure.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionsError, InvalidWasmError, QueueFullError, QueueTimeoutError, RewindPool, TimeoutError } from '../src/index.js';
import { fixture } from './helpers.js';

describe('RewindPool', () => {
  let pool: RewindPool;
  beforeAll(async () => {
    pool = await RewindPool.create(fixture('faults'), { workers: 2, timeoutMs: 2000, maxQueue: 64 });
  });
  afterAll(() => pool.close());

  it('serves runs from ready instances, concurrently', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.run({ args: [i % 2 ? 'none' : 'unreachable'] })));
    for (const [i, r] of results.entries()) {
      if (i % 2) expect(Buffer.from(r.stdout).toString()).toBe('before none\nafter none\n');
      else expect(r.trap?.message).toMatch(/unreachable/);
    }
  });

  it('terminates a runaway guest at the time limit and keeps serving', async () => {
    await expect(pool.run({ args: ['spin'] })).rejects.toThrow(TimeoutError);
    const after = await Promise.all([pool.run({ args: ['none'] }), pool.run({ args: ['none'] })]);
    for (const r of after) expect(r.exitCode).toBe(0);
    expect(pool.stats().timedOut).toBe(1);
    expect(pool.stats().workers).toBe(2);
  });

  it('applies back-pressure with a bounded queue', async () => {
    const small = await RewindPool.create(fixture('faults'), { workers: 1, timeoutMs: 1500, maxQueue: 1 });
    try {
      const outcomes = await Promise.allSettled(Array.from({ length: 4 }, () => small.run({ args: ['spin'] })));
      const reasons = outcomes.map((o) => (o.status === 'rejected' ? o.reason as Error : null));
      // One spin runs (and times out), at most one waits, the rest are refused at once.
      expect(reasons.filter((r) => r instanceof QueueFullError).length).toBeGreaterThanOrEqual(2);
      expect(reasons.filter((r) => r instanceof TimeoutError).length).toBeGreaterThanOrEqual(1);
      expect(reasons.every((r) => r instanceof QueueFullError || r instanceof TimeoutError)).toBe(true);
      expect((await small.run({ args: ['none'] })).exitCode).toBe(0);
    } finally {
      await small.close();
    }
  });

  it('rejects bad input with the typed error from the worker', async () => {
    const err = await RewindPool.create(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 9]), { workers: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidWasmError);
    expect(err.message).toMatch(/invalid core module/);
    const opts = await RewindPool.create(fixture('hello'), { workers: 1, instance: { strategy: 'nope' } as never }).catch((e) => e);
    expect(opts).toBeInstanceOf(InvalidOptionsError);
  });

  it('rejects a bad run option, or one that cannot cross to a worker, with the typed error', async () => {
    await expect(pool.run({ args: [1] } as never)).rejects.toThrow(InvalidOptionsError);
    await expect(pool.run({ args: ['none'], onStdout: () => {} } as never)).rejects.toThrow(InvalidOptionsError);
    await expect(pool.run({ stdin: new SharedArrayBuffer(4) } as never)).rejects.toThrow(InvalidOptionsError);
    expect((await pool.run({ args: ['none'] })).exitCode).toBe(0);
  });

  it('counts the time limit from execution: runs queued behind spinning ones still finish', async () => {
    // Load test: 60 runs, every tenth spins forever, on 2 workers.
    const mixed = await RewindPool.create(fixture('faults'), { workers: 2, timeoutMs: 1000 });
    try {
      const outcomes = await Promise.allSettled(Array.from({ length: 60 }, (_, i) => mixed.run({ args: [i % 10 === 0 ? 'spin' : 'none'] })));
      outcomes.forEach((o, i) => {
        if (i % 10 === 0) expect(o.status === 'rejected' && o.reason, `run ${i}`).toBeInstanceOf(TimeoutError);
        else expect(o.status === 'fulfilled' && Buffer.from(o.value.stdout).toString(), `run ${i}`).toBe('before none\nafter none\n');
      });
      expect(mixed.stats()).toMatchObject({ timedOut: 6, completed: 54, replaced: 6 });
    } finally {
      await mixed.close();
    }
  });

  it('a replacement that cannot start fails the queued runs (WORKER_FAILED) instead of leaving them waiting; a later run tries again', async () => {
    // A component's workers read the input file themselves: once it is gone, a replacement cannot start.
    const dir = mkdtempSync(join(tmpdir(), 'rewind-pool-'));
    const file = join(dir, 'faults.wasm');
    copyFileSync(fixture('faults'), file);
    const one = await RewindPool.create(file, { workers: 1, timeoutMs: 1000, instance: { preview1: 'adapter' } });
    try {
      rmSync(file);
      const spin = one.run({ args: ['spin'] });
      const queued = one.run({ args: ['none'] });
      await expect(spin).rejects.toThrow(TimeoutError);
      await expect(queued).rejects.toMatchObject({ code: 'WORKER_FAILED', message: expect.stringMatching(/no worker could be started/) });
      expect(one.stats()).toMatchObject({ workers: 0, queued: 0 });
      copyFileSync(fixture('faults'), file);
      expect((await one.run({ args: ['none'] })).exitCode).toBe(0);
    } finally {
      await one.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bounds the wait for a worker separately (QueueTimeoutError: the run never ran)', async () => {
    const one = await RewindPool.create(fixture('faults'), { workers: 1, timeoutMs: 3000, queueTimeoutMs: 200 });
    try {
      const spin = one.run({ args: ['spin'] });
      await expect(one.run({ args: ['none'] })).rejects.toThrow(QueueTimeoutError);
      await expect(spin).rejects.toThrow(TimeoutError);
      expect(one.stats()).toMatchObject({ queueTimedOut: 1, completed: 0 });
    } finally {
      await one.close();
    }
  });

  it('a replacement worker takes work only once warm', async () => {
    const one = await RewindPool.create(fixture('faults'), { workers: 1, timeoutMs: 1000, warmRun: { args: ['none'] } });
    try {
      await expect(one.run({ args: ['spin'] })).rejects.toThrow(TimeoutError);
      // The replacement exists but is warming: a new run waits in the queue instead of landing on it.
      expect(one.stats()).toMatchObject({ workers: 1, ready: 0, replaced: 1 });
      const next = one.run({ args: ['none'] });
      expect(one.stats().queued).toBe(1);
      expect((await next).exitCode).toBe(0);
      expect(one.stats()).toMatchObject({ ready: 1, queued: 0 });
    } finally {
      await one.close();
    }
  });
});
