// `rewind serve` against real and hostile clients: a real server on
// 127.0.0.1, raw sockets (node:net) for what fetch cannot send.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServers } from '../src/bench/http-load.js';
import type { RewindPool } from '../src/index.js';
import { serve } from '../src/serve/server.js';
import { spawnServe } from '../src/serve/spawn.js';
import { raw, statusLines } from './support/raw-http.js';

const build = (name: string) => join(import.meta.dirname, 'fixtures', 'build', `${name}.wasm`);
const bin = new URL('../bin/rewind.js', import.meta.url).pathname;


describe('rewind serve', () => {
  let server: Server;
  let pool: RewindPool;
  let url: string;
  let port: number;
  const logged: string[] = [];
  beforeAll(async () => {
    ({ server, pool, url } = await serve(build('cgi-hostile'), {
      port: 0, workers: 1, timeoutMs: 5000, maxBodyBytes: 64 << 10, maxHeaderBytes: 8 << 10,
      headersTimeoutMs: 400, requestTimeoutMs: 800, log: (line) => logged.push(line),
    }));
    port = Number(new URL(url).port);
  });
  afterAll(async () => {
    server.closeAllConnections();
    server.close();
    await pool.close();
  });

  it('answers CGI-style, and a failed run gets a generic body; details go to the log under the request id', async () => {
    const cgi = await serve(build('cgi'), { port: 0, workers: 1, log: () => {} });
    try {
      const ok = await fetch(`${cgi.url}/hello?x=1`, { method: 'POST', body: 'payload' });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-handled-by')).toBe('wasi-rewind');
      expect(await ok.text()).toBe('POST /hello?x=1 body=payload\n');
      expect((await fetch(`${cgi.url}/missing`)).status).toBe(404);
    } finally {
      cgi.server.close();
      await cgi.pool.close();
    }
    const crash = await fetch(`${url}/secret-crash`);
    expect(crash.status).toBe(500);
    const id = crash.headers.get('x-request-id')!;
    const body = await crash.text();
    expect(body).toBe(`internal server error (request ${id})\n`);
    const line = logged.find((l) => l.startsWith(`[${id}]`));
    expect(line).toMatch(/trap: .*unreachable.*hunter2/);
  });

  it('takes the memory modes for its instances; a combination they refuse is refused before listening', async () => {
    const cgi = await serve(build('cgi'), { port: 0, workers: 1, memoryTracking: 'scan', boundsChecks: 'real', log: () => {} });
    try {
      for (const body of ['one', 'two']) expect(await (await fetch(`${cgi.url}/x?k=v`, { method: 'POST', body })).text()).toBe(`POST /x?k=v body=${body}\n`);
    } finally {
      cgi.server.close();
      await cgi.pool.close();
    }
    await expect(serve(build('cgi'), { port: 0, workers: 1, boundsChecks: 'real', log: () => {} })).rejects.toThrow(/boundsChecks "real" and "unchecked" need memoryTracking "scan"/);
  });

  it('frames every response itself: a guest cannot forge a second response or set framing headers', async () => {
    const text = await raw(port, [
      'GET /smuggle HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /env HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    ]);
    expect(statusLines(text)).toEqual(['HTTP/1.1 502', 'HTTP/1.1 502', 'HTTP/1.1 200']);
    expect(text).not.toMatch(/forged|transfer-encoding/i);
    expect((await fetch(`${url}/bad-status`)).status).toBe(502);
    expect((await fetch(`${url}/no-headers`)).status).toBe(502);
    const redirect = await fetch(`${url}/redirect`, { redirect: 'manual' });
    expect([redirect.status, redirect.headers.get('location')]).toEqual([302, 'http://example.com/']);
  });

  it('drops request headers with "_" (no aliasing of X-A) and Proxy (no HTTP_PROXY)', async () => {
    const text = await raw(port, ['GET /env HTTP/1.1\r\nHost: x\r\nX-A: dash\r\nX_A: underscore\r\nProxy: http://evil:1\r\nConnection: close\r\n\r\n']);
    const env = text.split('\r\n\r\n')[1]!;
    expect(env).toContain('HTTP_X_A=dash\n');
    expect(env).not.toMatch(/underscore|HTTP_PROXY/);
  });

  it('limits bodies (413) and heads (431) without buffering them', async () => {
    const declared = await raw(port, [`POST /env HTTP/1.1\r\nHost: x\r\nContent-Length: ${256 << 20}\r\n\r\n`, 'a'.repeat(1000)]);
    expect(statusLines(declared)).toEqual(['HTTP/1.1 413']);
    const chunk = Buffer.alloc(16 << 10, 97);
    const streamed = await raw(port, ['POST /env HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n',
      ...Array.from({ length: 8 }, () => Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]))]);
    expect(statusLines(streamed)).toEqual(['HTTP/1.1 413']);
    const head = await raw(port, [`GET /env HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(10 << 10)}\r\n\r\n`]);
    expect(statusLines(head)).toEqual(['HTTP/1.1 431']);
  });

  it('survives clients that abort mid-body or stall, and keeps serving', async () => {
    for (let i = 0; i < 5; i++) {
      await raw(port, ['POST /env HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n', 'half a body'], { destroyAfterMs: 20 });
    }
    const stalled = raw(port, ['GET /env HTTP/1.1\r\nHo'], { ms: 5000 });
    const slowBody = raw(port, ['POST /env HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc'], { ms: 5000 });
    expect((await fetch(`${url}/env`)).status).toBe(200);
    expect(statusLines(await stalled)).toEqual(['HTTP/1.1 408']);
    expect(statusLines(await slowBody)).toEqual(['HTTP/1.1 408']);
    expect((await fetch(`${url}/env`)).status).toBe(200);
  });
});

describe('rewind serve connection limit', () => {
  it('refuses connections beyond maxConnections, and serves again once one closes', async () => {
    const { server, pool, url } = await serve(build('cgi'), { port: 0, workers: 1, maxConnections: 1, log: () => {} });
    try {
      const port = Number(new URL(url).port);
      const accepted = once(server, 'connection');
      const held = connect(port, '127.0.0.1');
      await accepted;
      await expect(fetch(url)).rejects.toThrow();
      const closed = once((await accepted)[0] as Socket, 'close');
      held.destroy();
      await closed;
      expect((await fetch(url)).status).toBe(200);
    } finally {
      server.closeAllConnections();
      server.close();
      await pool.close();
    }
  });
});

describe('rewind serve in its own process', () => {
  it('serves a load without errors', async () => {
    // Correctness under concurrent keep-alive load (autocannon); speed is `npm run load-test`'s business.
    const [r] = await loadServers([['cgi', () => spawnServe([build('cgi'), '--workers', '2'])]], { seconds: 1, connections: 4 });
    expect(r!.errors).toBe(0);
    expect(r!.non2xx).toBe(0);
    expect(r!.requests).toBeGreaterThan(4);
  });

  /**
   * `rewind serve` in its own process, with a request in flight: half of a
   * 10-byte body sent, 300 ms ago. What the server logs and the client
   * receives are collected.
   */
  async function requestInFlight(...flags: string[]) {
    const { url, child } = await spawnServe([build('cgi'), '--workers', '1', ...flags], { stderr: 'pipe' });
    const seen = { log: '', response: '' };
    child.stderr!.on('data', (d) => (seen.log += d));
    const exited = once(child, 'exit');
    const { port, hostname } = new URL(url);
    const socket = connect(Number(port), hostname);
    await once(socket, 'connect');
    socket.on('data', (d) => (seen.response += d));
    const ended = once(socket, 'close');
    socket.write('POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345');
    await new Promise((r) => setTimeout(r, 300));
    return { url, child, socket, seen, exited, ended };
  }

  it('on SIGTERM, finishes the request in flight, then exits 0 with nothing logged', async () => {
    const { url, child, socket, seen, exited, ended } = await requestInFlight();
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    // No new connection is accepted meanwhile.
    await expect(fetch(url)).rejects.toThrow();
    socket.write('67890');
    await ended;
    expect(statusLines(seen.response)).toEqual(['HTTP/1.1 200']);
    expect(seen.response).toContain('POST /slow? body=1234567890');
    expect(await exited).toEqual([0, null]);
    expect(seen.log).toBe('');
  });

  it('a second signal closes the connections still open at once', async () => {
    const { child, exited, ended } = await requestInFlight();
    const start = Date.now();
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGINT');
    await ended;
    expect(await exited).toEqual([0, null]);
    expect(Date.now() - start).toBeLessThan(5000); // not the 10 s drain
  });

  it('after --drain-timeout, a request still in flight is cut off and the server exits 0', async () => {
    // Its other half never comes.
    const { child, seen, exited, ended } = await requestInFlight('--drain-timeout', '700');
    const start = Date.now();
    child.kill('SIGTERM');
    await ended;
    const waited = Date.now() - start;
    expect(seen.response).toBe(''); // cut off, not answered
    expect(waited).toBeGreaterThanOrEqual(600);
    expect(waited).toBeLessThan(5000);
    expect(await exited).toEqual([0, null]);
    expect(seen.log).toBe('');
  });

  it('refuses a drain timeout that is not a positive number of milliseconds', async () => {
    for (const bad of ['0', '-5', 'soon', '3600001']) {
      const r = spawnSync(process.execPath, [bin, 'serve', build('cgi'), '--drain-timeout', bad], { encoding: 'utf8' });
      expect(r.status, bad).toBe(2);
      expect(r.stderr, bad).toMatch(/INVALID_OPTIONS[\s\S]*--drain-timeout/);
    }
  });

  it('takes its limits from the command line', async () => {
    const { url, child } = await spawnServe([build('cgi'), '--workers', '1', '--max-body', '8', '--max-header', '2048']);
    try {
      expect((await fetch(url, { method: 'POST', body: '12345678' })).status).toBe(200);
      expect((await fetch(url, { method: 'POST', body: '123456789' })).status).toBe(413);
      expect((await fetch(url, { headers: { 'x-big': 'b'.repeat(4096) } })).status).toBe(431);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
