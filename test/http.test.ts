// The wasi:http host (shims/http) under real proxy components built from
// JavaScript with componentize-js: request k on a reused instance must be
// answered exactly as request 1 on a fresh instance (strategy reinstantiate),
// state must not leak between requests under the default policy (and does,
// visibly, under 'never'), a trapping handler spoils nothing for the next
// request, and outgoing requests are denied unless allow-listed.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionsError, ReusableInstance, type ResetPolicy } from '../src/index.js';
import { Fields, FORBIDDEN_HEADERS, MAX_FIELDS_BYTES } from '../shims/http/fields.js';
import { incoming, type IncomingData } from '../shims/http/index.js';
import { allowed } from '../shims/http/options.js';

const build = (name: string) => join(import.meta.dirname, 'fixtures', 'build', `http-${name}.wasm`);
const HANDLE = 'wasi:http/incoming-handler@0.2.10#handle';
const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');

/** A varied request: method, path, headers (some forbidden), body. */
function request(i: number, path = `/item/${i}?q=${i}`): IncomingData {
  return {
    method: ['GET', 'POST', 'PUT', 'PATCH'][i % 4]!,
    pathWithQuery: path,
    authority: 'example.test',
    headers: [['X-Secret', `secret-${i}`], ['Host', 'example.test'], ['Connection', 'keep-alive'], ['x-n', String(i)]],
    body: bytes('b'.repeat(i * 977 % 5000)),
  };
}

/** Everything a client or the server could observe of one request. */
function serveOnce(inst: ReusableInstance, data: IncomingData, reset?: ResetPolicy) {
  const { args, outcome } = incoming(data);
  const r = inst.call(HANDLE, args, reset ? { reset } : {});
  const o = outcome();
  return {
    trap: r.trap ? `${r.trap.kind}: ${r.trap.message}` : null,
    response: r.trap ? null : o.ok ? { status: o.response.status, headers: o.response.headers.map(([n, v]) => [n, text(v)]), body: text(o.response.body) } : { failed: o.reason },
    stdout: r.stdout.toString('latin1'),
    stderr: r.stderr.toString('latin1'),
  };
}

describe('wasi:http fields', () => {
  it('follow the spec: immutable children, forbidden and malformed names, bounded size', () => {
    const f = Fields.fromList([['Content-Type', bytes('text/plain')]]);
    expect(f.get('content-type').map(text)).toEqual(['text/plain']);
    f.append('x-a', bytes('1'));
    f.append('X-A', bytes('2'));
    expect(f.get('x-a').map(text)).toEqual(['1', '2']);
    f.set('x-a', [bytes('3')]);
    expect(f.entries().map(([n, v]) => [n, text(v)])).toEqual([['content-type', 'text/plain'], ['x-a', '3']]);
    for (const name of FORBIDDEN_HEADERS) expect(() => f.append(name, bytes('x'))).toThrow(expect.objectContaining({ tag: 'forbidden' }));
    for (const [name, value] of [['bad name', 'v'], ['', 'v'], ['x', 'a\r\nb'], ['x', 'nul\0']] as const) {
      expect(() => f.append(name, bytes(value))).toThrow(expect.objectContaining({ tag: 'invalid-syntax' }));
    }
    expect(() => Fields.fromList([['x', bytes('a\nb')]])).toThrow(expect.objectContaining({ tag: 'invalid-syntax' }));
    expect(() => f.append('big', new Uint8Array(MAX_FIELDS_BYTES))).toThrow(expect.objectContaining({ tag: 'invalid-syntax' }));
    // A clone is mutable; fields that became a request's headers are not.
    const { args } = incoming(request(1));
    const headers = args[0].headers();
    expect(() => headers.append('x-b', bytes('1'))).toThrow(expect.objectContaining({ tag: 'immutable' }));
    expect(() => headers.delete('x-secret')).toThrow(expect.objectContaining({ tag: 'immutable' }));
    expect(headers.has('host') || headers.has('connection')).toBe(false);
    const copy = headers.clone();
    copy.append('x-b', bytes('1'));
    expect(copy.get('x-b').map(text)).toEqual(['1']);
    // Values handed out are copies: changing one does not change the fields.
    headers.get('x-secret')[0]!.fill(0);
    expect(text(headers.get('x-secret')[0]!)).toBe('secret-1');
  });

  it('of an earlier request are dead once the next request is made', () => {
    const a = incoming(request(1)).args[0];
    expect(text(a.headers().get('x-secret')[0]!)).toBe('secret-1');
    incoming(request(2));
    expect(() => a.headers()).toThrow(/earlier request/);
    expect(() => a.pathWithQuery()).toThrow(/earlier request/);
  });

  it('outgoing allow-list: exact authorities, ports, subdomain wildcards; invalid entries are refused', async () => {
    expect(allowed(['api.example.com'], 'api.example.com')).toBe(true);
    expect(allowed(['api.example.com'], 'api.example.com:8443')).toBe(true);
    expect(allowed(['api.example.com:80'], 'api.example.com:8443')).toBe(false);
    expect(allowed(['*.example.com'], 'a.example.com')).toBe(true);
    expect(allowed(['*.example.com'], 'example.com')).toBe(false);
    expect(allowed(['*.example.com'], 'evil-example.com')).toBe(false);
    expect(allowed([], 'localhost')).toBe(false);
    await expect(ReusableInstance.create(build('hello'), { http: { allowOutgoing: ['not a host/'] } })).rejects.toBeInstanceOf(InvalidOptionsError);
  });
});

describe('wasi:http components on a reused instance', () => {
  let stateful: ReusableInstance;
  beforeAll(async () => {
    stateful = await ReusableInstance.create(build('stateful'));
  });

  it('request k on a reused instance equals request 1 on a fresh instance (status, headers, body, output)', async () => {
    const fresh = await ReusableInstance.create(build('stateful'), { strategy: 'reinstantiate' });
    const sequence = [request(1), request(2), request(3, '/echo'), request(4, '/trap'), request(5), request(6, '/outgoing'), request(7, '/echo'), request(8)];
    const reused = sequence.map((r) => serveOnce(stateful, r));
    const reference = sequence.map((r) => serveOnce(fresh, r));
    expect(reused).toEqual(reference);
    // The sequence exercised what it claims to.
    expect(reused[0]!.response).toMatchObject({ status: 200, body: expect.stringMatching(/^count=1 previous= body=977 /) });
    expect(reused[2]!.response).toMatchObject({ body: 'b'.repeat(2931) });
    expect(reused[3]!.trap).toMatch(/unreachable/);
    expect(reused[4]!.response).toMatchObject({ body: expect.stringMatching(/^count=1 previous= /) });
  });

  it("does not leak one request's state into the next under 'always', and visibly does under 'never'", async () => {
    const always = [1, 2, 3].map((i) => serveOnce(stateful, request(i), 'always').response);
    for (const r of always) expect(r).toMatchObject({ body: expect.stringMatching(/^count=1 previous= /) });
    const never = await ReusableInstance.create(build('stateful'), { reset: 'never' });
    const leaked = [1, 2, 3].map((i) => serveOnce(never, request(i)).response);
    expect(leaked.map((r) => (r as { body: string }).body.split(' body=')[0])).toEqual(['count=1 previous=', 'count=2 previous=secret-1', 'count=3 previous=secret-2']);
  });

  it("after a trapping request, 'on-trap' rewinds and the next request is faithful; 'never' keeps the poisoned instance", async () => {
    const onTrap = await ReusableInstance.create(build('stateful'), { reset: 'on-trap' });
    expect(serveOnce(onTrap, request(1)).response).toMatchObject({ body: expect.stringMatching(/^count=1 /) });
    expect(serveOnce(onTrap, request(2, '/trap')).trap).toMatch(/unreachable/);
    expect(serveOnce(onTrap, request(3)).response).toMatchObject({ body: expect.stringMatching(/^count=1 previous= /) });
    const never = await ReusableInstance.create(build('stateful'), { reset: 'never' });
    expect(serveOnce(never, request(1, '/trap')).trap).toMatch(/unreachable/);
    expect(serveOnce(never, request(2)).trap).toMatch(/cannot enter component instance/);
  });

  it('denies outgoing requests by default (HTTP-request-denied), as a fresh instance with the same host would', () => {
    const r = serveOnce(stateful, request(1, '/outgoing'));
    expect(r.response).toMatchObject({ status: 200, body: 'outgoing request failed: {"tag":"HTTP-request-denied"}\n' });
  });

  it("serves componentize-js's fetch-event handler, which answers only once per instance without a reset", async () => {
    const hello = await ReusableInstance.create(build('fetch-hello'));
    const fresh = await ReusableInstance.create(build('fetch-hello'), { strategy: 'reinstantiate' });
    const seq = [request(1), request(2), request(3)];
    const reused = seq.map((r) => serveOnce(hello, r));
    expect(reused).toEqual(seq.map((r) => serveOnce(fresh, r)));
    expect(reused[1]!.response).toMatchObject({ status: 200, body: 'hello from wasi:http: PUT /item/2\n' });
    // Without a reset, StarlingMonkey's event loop refuses the second request.
    const never = await ReusableInstance.create(build('fetch-hello'), { reset: 'never' });
    expect(serveOnce(never, request(1)).response).toMatchObject({ status: 200 });
    const second = serveOnce(never, request(2));
    expect(second.response).toEqual({ failed: 'the handler returned without setting a response' });
    expect(second.stderr).toMatch(/respondWith can't be called twice/);
  });
});
