// RewindPool (worker threads with ready instances) and `rewind serve`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionsError, InvalidWasmError, QueueFullError, RewindPool, TimeoutError } from '../src/index.js';
import { loadTest } from '../src/bench/load.js';
import { serve } from '../src/serve/server.js';
import { spawnServe } from '../src/serve/spawn.js';
import { fixture } from './helpers.js';

const cgi = new URL('./fixtures/build/cgi.wasm', import.meta.url).pathname;

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
      const reasons = outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).constructor.name : 'ok'));
      expect(reasons.filter((r) => r === 'QueueFullError').length).toBeGreaterThanOrEqual(2);
      expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
      expect(QueueFullError.name).toBe('QueueFullError');
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

  it('reports a bad run option from inside a worker as the typed error', async () => {
    await expect(pool.run({ args: [1] } as never)).rejects.toThrow(InvalidOptionsError);
    expect((await pool.run({ args: ['none'] })).exitCode).toBe(0);
  });
});

describe('rewind serve', () => {
  it('answers requests CGI-style: headers, status, body, failures', async () => {
    const { server, pool, url } = await serve(cgi, { port: 0, host: '127.0.0.1', workers: 1, strategy: 'snapshot', timeoutMs: 5000, dirs: {} });
    try {
      const ok = await fetch(`${url}/hello?x=1`, { method: 'POST', body: 'payload' });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-handled-by')).toBe('wasi-rewind');
      expect(await ok.text()).toBe('POST /hello?x=1 body=payload\n');
      expect((await fetch(`${url}/missing`)).status).toBe(404);
      const crash = await fetch(`${url}/crash`);
      expect(crash.status).toBe(500);
      expect(await crash.text()).toMatch(/unreachable/);
      expect(await (await fetch(`${url}/again`, { method: 'PUT', body: '2' })).text()).toBe('PUT /again? body=2\n');
    } finally {
      server.close();
      await pool.close();
    }
  });

  it('serves a load from a second process without errors', async () => {
    const { url, child } = await spawnServe([cgi, '--workers', '2']);
    try {
      const r = await loadTest(url, { connections: 4, durationMs: 1000, maxRequests: 2000 });
      expect(r.errors).toBe(0);
      expect(r.requests).toBeGreaterThan(50);
      expect(r.statuses).toEqual({ 200: r.requests });
    } finally {
      child.kill('SIGTERM');
    }
  });
});
