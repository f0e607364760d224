// The incoming side of wasi:http's proxy world: the request a guest's
// `handle` receives (incoming-request, incoming-body, future-trailers) and
// the response-outparam through which it answers. Bodies are buffered: the
// server read the whole request body (up to its limit) before the call.
import { activeIo } from './active.js';
import { Fields } from './fields.js';
import { OutgoingResponse, responseResult, type ResponseData } from './response.js';
import { liveOrTrap, type Epoch } from './epoch.js';

export type Method = { tag: 'get' | 'head' | 'post' | 'put' | 'delete' | 'connect' | 'options' | 'trace' | 'patch' } | { tag: 'other'; val: string };
export type Scheme = { tag: 'HTTP' | 'HTTPS' } | { tag: 'other'; val: string };
export type ErrorCode = { tag: string; val?: unknown };

const METHODS = new Set(['get', 'head', 'post', 'put', 'delete', 'connect', 'options', 'trace', 'patch']);

export function methodOf(name: string): Method {
  const lower = name.toLowerCase();
  // Known methods are case-sensitive tokens in HTTP; only the canonical spelling maps to a case.
  return METHODS.has(lower) && name === name.toUpperCase() ? { tag: lower } as Method : { tag: 'other', val: name };
}

export class FutureTrailers {
  #taken = false;
  constructor(readonly epoch: Epoch) {}
  subscribe() {
    liveOrTrap(this.epoch);
    return new (activeIo().Pollable)();
  }
  /** Ready at once (the body is buffered); no trailers. A second get is `err`. */
  get(): { tag: 'ok' | 'err'; val?: unknown } {
    liveOrTrap(this.epoch);
    if (this.#taken) return { tag: 'err', val: undefined };
    this.#taken = true;
    return { tag: 'ok', val: { tag: 'ok', val: undefined } };
  }
}

export class IncomingBody {
  #stream = false;
  constructor(readonly epoch: Epoch, readonly bytes: Uint8Array) {}
  /** The body as a wasi:io input-stream (once). */
  stream(): unknown {
    liveOrTrap(this.epoch);
    if (this.#stream) throw undefined;
    this.#stream = true;
    let offset = 0;
    const { bytes, epoch } = this;
    return new (activeIo().InputStream)({
      read(max: number) {
        liveOrTrap(epoch);
        if (offset >= bytes.length) return null;
        const chunk = bytes.slice(offset, offset + max);
        offset += chunk.length;
        return chunk;
      },
    });
  }
  static finish(body: IncomingBody): FutureTrailers {
    liveOrTrap(body.epoch);
    return new FutureTrailers(body.epoch);
  }
}

export interface RequestData {
  method: string;
  pathWithQuery: string;
  scheme: 'http' | 'https';
  authority?: string;
  /** Already without forbidden headers, names lowercase. */
  headers: [string, Uint8Array][];
  body: Uint8Array;
}

export class IncomingRequest {
  #consumed = false;
  readonly #headers: Fields;
  constructor(readonly epoch: Epoch, readonly data: RequestData) {
    this.#headers = Fields.frozen(data.headers);
  }
  method(): Method {
    liveOrTrap(this.epoch);
    return methodOf(this.data.method);
  }
  pathWithQuery(): string | undefined {
    liveOrTrap(this.epoch);
    return this.data.pathWithQuery;
  }
  scheme(): Scheme {
    liveOrTrap(this.epoch);
    return { tag: this.data.scheme === 'https' ? 'HTTPS' : 'HTTP' };
  }
  authority(): string | undefined {
    liveOrTrap(this.epoch);
    return this.data.authority;
  }
  headers(): Fields {
    liveOrTrap(this.epoch);
    return this.#headers;
  }
  consume(): IncomingBody {
    liveOrTrap(this.epoch);
    if (this.#consumed) throw undefined;
    this.#consumed = true;
    return new IncomingBody(this.epoch, this.data.body);
  }
}

type Outcome = { tag: 'ok'; val: OutgoingResponse } | { tag: 'err'; val: ErrorCode };

export class ResponseOutparam {
  outcome: Outcome | undefined;
  constructor(readonly epoch: Epoch) {}
  sendInformational(): never {
    throw { tag: 'internal-error', val: 'informational responses are not supported' };
  }
  static set(param: ResponseOutparam, response: Outcome): void {
    liveOrTrap(param.epoch);
    if (param.outcome) throw new Error('response-outparam set twice');
    if (response.tag === 'ok') OutgoingResponse.claim(response.val);
    param.outcome = response;
  }
}

/** What became of a request once `handle` returned. */
export type HandleOutcome =
  | { ok: true; response: ResponseData }
  | { ok: false; reason: string };

export function outcomeOf(param: ResponseOutparam): HandleOutcome {
  const o = param.outcome;
  if (!o) return { ok: false, reason: 'the handler returned without setting a response' };
  if (o.tag === 'err') return { ok: false, reason: `the handler answered with error-code ${JSON.stringify(o.val, (_, v) => (typeof v === 'bigint' ? String(v) : v))}` };
  return responseResult(o.val);
}
