// wasi:http/outgoing-handler and the outgoing-request side of wasi:http/types.
// Denied by default (HTTP-request-denied). Authorities on the allow-list are
// fetched synchronously (the guest's call blocks) in a child process, once the
// guest asks for the response: by then it has written and finished the body.
// A reset does not undo what a request did to the world outside.
import { spawnSync } from 'node:child_process';
import { activeIo } from './active.js';
import { liveOrTrap, currentEpoch, type Epoch } from './epoch.js';
import { Fields, FORBIDDEN_HEADERS } from './fields.js';
import { allowed, type ResolvedHttpOptions } from './options.js';
import { FutureTrailers, IncomingBody, type ErrorCode, type Method, type Scheme } from './request.js';
import { OutgoingBody } from './response.js';

export class RequestOptions {
  #timeouts: (bigint | undefined)[] = [undefined, undefined, undefined];
  connectTimeout() { return this.#timeouts[0]; }
  setConnectTimeout(d: bigint | undefined) { this.#timeouts[0] = d; }
  firstByteTimeout() { return this.#timeouts[1]; }
  setFirstByteTimeout(d: bigint | undefined) { this.#timeouts[1] = d; }
  betweenBytesTimeout() { return this.#timeouts[2]; }
  setBetweenBytesTimeout(d: bigint | undefined) { this.#timeouts[2] = d; }
}

export class OutgoingRequest {
  readonly epoch: Epoch = currentEpoch();
  #method: Method = { tag: 'get' };
  #path: string | undefined;
  #scheme: Scheme | undefined;
  #authority: string | undefined;
  #body: OutgoingBody | undefined;
  readonly #headers: Fields;
  constructor(headers: Fields) {
    this.#headers = Fields.freeze(headers);
  }
  body(): OutgoingBody {
    liveOrTrap(this.epoch);
    if (this.#body) throw undefined;
    return (this.#body = new OutgoingBody(this.epoch, undefined));
  }
  method() { return this.#method; }
  setMethod(m: Method) {
    if (m.tag === 'other' && !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(m.val)) throw undefined;
    this.#method = m;
  }
  pathWithQuery() { return this.#path; }
  setPathWithQuery(p: string | undefined) {
    if (p !== undefined && !/^\/[\x21-\x7e]*$/.test(p)) throw undefined;
    this.#path = p;
  }
  scheme() { return this.#scheme; }
  setScheme(s: Scheme | undefined) { this.#scheme = s; }
  authority() { return this.#authority; }
  setAuthority(a: string | undefined) {
    if (a !== undefined && !/^[A-Za-z0-9.\-:[\]]+$/.test(a)) throw undefined;
    this.#authority = a;
  }
  headers() { return this.#headers; }

  static parts(r: OutgoingRequest) {
    return { method: r.#method, path: r.#path ?? '/', scheme: r.#scheme, authority: r.#authority, headers: r.#headers, body: r.#body };
  }
}

export class IncomingResponse {
  #consumed = false;
  readonly #headers: Fields;
  constructor(readonly epoch: Epoch, readonly statusCode: number, headers: [string, Uint8Array][], readonly bytes: Uint8Array) {
    this.#headers = Fields.frozen(headers.filter(([n]) => !FORBIDDEN_HEADERS.has(n)));
  }
  status() { liveOrTrap(this.epoch); return this.statusCode; }
  headers() { liveOrTrap(this.epoch); return this.#headers; }
  consume(): IncomingBody {
    liveOrTrap(this.epoch);
    if (this.#consumed) throw undefined;
    this.#consumed = true;
    return new IncomingBody(this.epoch, this.bytes);
  }
}

type Result<T> = { tag: 'ok'; val: T } | { tag: 'err'; val: ErrorCode };

export class FutureIncomingResponse {
  #result: Result<IncomingResponse> | undefined;
  #taken = false;
  constructor(readonly epoch: Epoch, private readonly perform: () => Result<IncomingResponse>) {}
  subscribe() {
    liveOrTrap(this.epoch);
    return new (activeIo().Pollable)();
  }
  get() {
    liveOrTrap(this.epoch);
    if (this.#taken) return { tag: 'err', val: undefined };
    this.#taken = true;
    this.#result ??= this.perform();
    return { tag: 'ok', val: this.#result };
  }
}

// The child: reads the request as JSON on stdin, answers with JSON on stdout.
const FETCH_SCRIPT = `
const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const r = JSON.parse(Buffer.concat(chunks).toString());
try {
  const res = await fetch(r.url, { method: r.method, headers: r.headers, body: r.body ? Buffer.from(r.body, 'base64') : undefined, redirect: 'manual', signal: AbortSignal.timeout(r.timeoutMs) });
  const reader = res.body ? res.body.getReader() : null;
  const parts = []; let size = 0;
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > r.maxBytes) { process.stdout.write(JSON.stringify({ error: { tag: 'HTTP-response-body-size', val: String(size) } })); process.exit(0); }
    parts.push(value);
  }
  process.stdout.write(JSON.stringify({ status: res.status, headers: [...res.headers], body: Buffer.concat(parts).toString('base64') }));
} catch (e) {
  const tag = e?.name === 'TimeoutError' ? 'connection-timeout' : e?.cause?.code === 'ENOTFOUND' ? 'DNS-error' : e?.cause?.code === 'ECONNREFUSED' ? 'connection-refused' : 'internal-error';
  process.stdout.write(JSON.stringify({ error: tag === 'DNS-error' ? { tag, val: {} } : tag === 'internal-error' ? { tag, val: String(e?.message ?? e) } : { tag } }));
}
`;

function fetchSync(o: ResolvedHttpOptions, epoch: Epoch, req: { url: string; method: string; headers: [string, string][]; body: Uint8Array | undefined }): Result<IncomingResponse> {
  const input = JSON.stringify({ ...req, body: req.body && Buffer.from(req.body).toString('base64'), timeoutMs: o.outgoingTimeoutMs, maxBytes: o.maxOutgoingResponseBytes });
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', FETCH_SCRIPT], {
    input, timeout: o.outgoingTimeoutMs + 5000, maxBuffer: Math.ceil(o.maxOutgoingResponseBytes * 1.4) + (1 << 20), encoding: 'utf8',
  });
  let out: { status?: number; headers?: [string, string][]; body?: string; error?: ErrorCode };
  try {
    out = JSON.parse(child.stdout);
  } catch {
    return { tag: 'err', val: { tag: 'internal-error', val: 'outgoing request failed' } };
  }
  if (out.error) {
    const e = out.error;
    if (e.tag === 'HTTP-response-body-size') e.val = BigInt(e.val as string);
    return { tag: 'err', val: e };
  }
  const headers = out.headers!.map(([n, v]) => [n, new Uint8Array(Buffer.from(v, 'latin1'))] as [string, Uint8Array]);
  return { tag: 'ok', val: new IncomingResponse(epoch, out.status!, headers, new Uint8Array(Buffer.from(out.body!, 'base64'))) };
}

function schemeName(s: Scheme | undefined): string {
  if (!s || s.tag === 'HTTPS') return 'https';
  return s.tag === 'other' ? s.val.toLowerCase() : 'http';
}

export function outgoingHandler(o: ResolvedHttpOptions) {
  return {
    handle(request: OutgoingRequest, _options?: RequestOptions): FutureIncomingResponse {
      liveOrTrap(request.epoch);
      const { method, path, scheme, authority, headers, body } = OutgoingRequest.parts(request);
      if (!authority) throw { tag: 'HTTP-request-URI-invalid' };
      const name = schemeName(scheme);
      if (name !== 'http' && name !== 'https') throw { tag: 'HTTP-protocol-error' };
      if (!allowed(o.allowOutgoing, authority)) throw { tag: 'HTTP-request-denied' };
      const epoch = request.epoch;
      return new FutureIncomingResponse(epoch, () => {
        if (body && !body.finished) return { tag: 'err', val: { tag: 'HTTP-request-body-size', val: undefined } };
        const bytes = body ? Buffer.concat(body.chunks, body.size) : undefined;
        const hs = headers.entries().map(([n, v]) => [n, Buffer.from(v).toString('latin1')] as [string, string]);
        return fetchSync(o, epoch, { url: `${name}://${authority}${path}`, method: method.tag === 'other' ? method.val : method.tag.toUpperCase(), headers: hs, body: bytes });
      });
    },
  };
}

/** http-error-code: wasi:io errors of our streams carry no HTTP error code. */
export function httpErrorCode(): undefined {
  return undefined;
}

export { FutureTrailers };
