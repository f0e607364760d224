// `rewind serve` with wasi:http proxy components: client requests reach the
// component's incoming-handler, one call per request under the reset policy.
// A reused instance must answer exactly as a fresh instance per request, and
// hostile clients (huge or lying bodies, disconnects) cost their own request.
import type { Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RewindPool } from '../src/index.js';
import { serve, type ServeOptions } from '../src/serve/server.js';
import { spawnServe } from '../src/serve/spawn.js';
import { raw, statusLines } from './support/raw-http.js';

const build = (name: string) => join(import.meta.dirname, 'fixtures', 'build', `${name}.wasm`);


async function start(name: string, options: Partial<ServeOptions> = {}) {
  const logged: string[] = [];
  const s = await serve(build(name), { port: 0, workers: 1, log: (l) => logged.push(l), ...options });
  return { ...s, logged, port: Number(new URL(s.url).port) };
}
async function stop(s: { server: Server; pool: RewindPool }) {
  s.server.closeAllConnections();
  s.server.close();
  await s.pool.close();
}

/** What a client sees, minus what differs by nature (date, request id). */
async function observe(url: string, path: string, init: RequestInit = {}) {
  const r = await fetch(url + path, init);
  const headers = [...r.headers].filter(([n]) => n !== 'date' && n !== 'x-request-id' && n !== 'keep-alive' && n !== 'connection');
  const body = await r.text();
  return { status: r.status, headers, body: body.replace(/\(request [0-9a-f]+\)/, '(request ID)') };
}

const requests: [string, RequestInit][] = [
  ['/a?x=1', { method: 'POST', body: 'first body', headers: { 'x-secret': 'alpha' } }],
  ['/b', { headers: { 'x-secret': 'beta', 'x-other': 'o' } }],
  ['/echo', { method: 'PUT', body: Buffer.alloc(200_000, 7) }],
  ['/trap', { headers: { 'x-secret': 'gamma' } }],
  ['/c', { method: 'DELETE', headers: { 'x-secret': 'delta' } }],
  ['/outgoing', {}],
  ['/d', { method: 'PATCH', body: 'x'.repeat(5000), headers: { 'x-secret': 'epsilon' } }],
];

describe('rewind serve, wasi:http', () => {
  let reused: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    reused = await start('http-stateful', { maxBodyBytes: 256 << 10, headersTimeoutMs: 400, requestTimeoutMs: 800 });
  });
  afterAll(() => stop(reused));

  it('picks wasi:http mode for a proxy component and answers as a fresh instance per request would', async () => {
    expect(reused.mode).toBe('http');
    const fresh = await start('http-stateful', { strategy: 'reinstantiate' });
    try {
      const got = [];
      const want = [];
      for (const [path, init] of requests) {
        got.push(await observe(reused.url, path, init));
        want.push(await observe(fresh.url, path, init));
      }
      expect(got).toEqual(want);
      expect(got[0]).toMatchObject({ status: 200, body: expect.stringMatching(/^count=1 previous= body=10 /) });
      expect(got[2]!.body).toBe('\x07'.repeat(200_000));
      expect(got[3]).toMatchObject({ status: 500, body: 'internal server error (request ID)\n' });
      expect(got[4]).toMatchObject({ status: 200, body: expect.stringMatching(/^count=1 previous= /) });
      expect(got[5]).toMatchObject({ status: 200, body: 'outgoing request failed: {"tag":"HTTP-request-denied"}\n' });
    } finally {
      await stop(fresh);
    }
  });

  it('logs a trapping handler under its request id; the client gets a generic 500', async () => {
    const r = await fetch(`${reused.url}/trap`);
    const id = r.headers.get('x-request-id')!;
    expect([r.status, await r.text()]).toEqual([500, `internal server error (request ${id})\n`]);
    expect(reused.logged.find((l) => l.startsWith(`[${id}]`))).toMatch(/unreachable.*handler failure/s);
  });

  it("leaks nothing between clients under reset 'always'; under 'never' the previous client's secret shows", async () => {
    for (const secret of ['s1', 's2', 's3']) {
      expect(await (await fetch(`${reused.url}/x`, { headers: { 'x-secret': secret } })).text()).toMatch(/^count=1 previous= /);
    }
    const never = await start('http-stateful', { reset: 'never' });
    try {
      const bodies = [];
      for (const secret of ['s1', 's2']) bodies.push(await (await fetch(`${never.url}/x`, { headers: { 'x-secret': secret } })).text());
      expect(bodies.map((b) => b.split(' body=')[0])).toEqual(['count=1 previous=', 'count=2 previous=s1']);
    } finally {
      await stop(never);
    }
  });

  it('bounds bodies (413) and heads (431), and answers lying or vanished clients without harm to the next request', async () => {
    const { port, url } = reused;
    const declared = await raw(port, [`POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: ${64 << 20}\r\n\r\n`, 'a'.repeat(1000)]);
    expect(statusLines(declared)).toEqual(['HTTP/1.1 413']);
    const chunk = Buffer.alloc(64 << 10, 97);
    const streamed = await raw(port, ['POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n',
      ...Array.from({ length: 6 }, () => Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]))]);
    expect(statusLines(streamed)).toEqual(['HTTP/1.1 413']);
    expect(statusLines(await raw(port, [`GET /x HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20 << 10)}\r\n\r\n`]))).toEqual(['HTTP/1.1 431']);
    // Content-Length larger than what is sent: the request times out (408), nothing reaches the guest.
    const lying = await raw(port, ['POST /x HTTP/1.1\r\nHost: x\r\nX-Secret: liar\r\nContent-Length: 100\r\n\r\nabc'], { ms: 5000 });
    expect(statusLines(lying)).toEqual(['HTTP/1.1 408']);
    // Smaller: the rest is parsed as the next request on the connection, a malformed one:
    // 400 and the connection closes (the first request's answer may be lost with it).
    const short = await raw(port, ['POST /x HTTP/1.1\r\nHost: x\r\nX-Secret: short\r\nContent-Length: 3\r\n\r\nabcGARBAGE\r\n\r\n']);
    expect(statusLines(short)).toContain('HTTP/1.1 400');
    for (let i = 0; i < 3; i++) {
      await raw(port, ['POST /x HTTP/1.1\r\nHost: x\r\nX-Secret: gone\r\nContent-Length: 5000\r\n\r\n', 'half a body'], { destroyAfterMs: 20 });
    }
    const after = await observe(url, '/x', { method: 'POST', body: 'abc', headers: { 'x-secret': 'next' } });
    expect(after).toMatchObject({ status: 200, body: expect.stringMatching(/^count=1 previous= body=3 /) });
  });

  it('answers a handler that never returns with 504, and the next request is served as by a fresh instance', async () => {
    const slow = await start('http-stateful', { timeoutMs: 4000 });
    try {
      expect(await observe(slow.url, '/x', { headers: { 'x-secret': 'before' } })).toMatchObject({ status: 200 });
      expect(await observe(slow.url, '/spin')).toMatchObject({ status: 504, body: 'the program took too long (request ID)\n' });
      // The spinning worker was replaced; its successor instantiates before taking work.
      while (slow.pool.stats().ready === 0) await new Promise((r) => setTimeout(r, 50));
      const after = await observe(slow.url, '/x', { headers: { 'x-secret': 'after' } });
      expect(after).toMatchObject({ status: 200, body: expect.stringMatching(/^count=1 previous= /) });
    } finally {
      await stop(slow);
    }
  });

  it('takes --reset from the command line in its own process', async () => {
    const { url, child } = await spawnServe([build('http-stateful'), '--workers', '1', '--reset', 'every=2']);
    try {
      const bodies = [];
      for (const secret of ['k1', 'k2', 'k3']) bodies.push(await (await fetch(`${url}/x`, { headers: { 'x-secret': secret } })).text());
      // Rewound before every second call: 1, 2 (state of k1), then fresh again.
      expect(bodies.map((b) => b.split(' body=')[0])).toEqual(['count=1 previous=', 'count=2 previous=k1', 'count=1 previous=']);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
