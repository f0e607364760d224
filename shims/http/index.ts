// wasi:http 0.2 for the proxy world: `wasi:http/types` and
// `wasi:http/outgoing-handler` for WasiHost's import table, and `incoming()`,
// which turns one server request into the two arguments of
// wasi:http/incoming-handler#handle and reads the response back afterwards.
//
// The resource classes are shared by every host of the process (see
// active.ts); request data lives only in the objects made for that request,
// and a new request ends every object of the previous one (epoch.ts).
import { InvalidOptionsError } from '../../src/errors.js';
import type { Io } from '../io.js';
import { activateIo } from './active.js';
import { nextEpoch } from './epoch.js';
import { Fields, FORBIDDEN_HEADERS } from './fields.js';
import { FutureIncomingResponse, httpErrorCode, IncomingResponse, OutgoingRequest, outgoingHandler, RequestOptions } from './outgoing.js';
import { httpOptionsSchema, type HttpOptions } from './options.js';
import { FutureTrailers, IncomingBody, IncomingRequest, outcomeOf, ResponseOutparam, type HandleOutcome, type RequestData } from './request.js';
import { OutgoingBody, OutgoingResponse } from './response.js';

export { httpOptionsSchema, type HttpOptions } from './options.js';
export type { HandleOutcome, RequestData } from './request.js';
export type { ResponseData } from './response.js';


/** The export a wasi:http proxy component serves requests with, any 0.2.x version. */
export const HANDLE_EXPORT = /^wasi:http\/incoming-handler(@0\.2\.\d+)?#handle$/;

const types = {
  Fields, IncomingRequest, IncomingBody, FutureTrailers, OutgoingResponse, OutgoingBody, ResponseOutparam,
  OutgoingRequest, RequestOptions, IncomingResponse, FutureIncomingResponse, httpErrorCode,
};

export function createHttp(io: Io, options: HttpOptions = {}) {
  const parsed = httpOptionsSchema.safeParse(options);
  if (!parsed.success) throw new InvalidOptionsError('http options', parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  const o = parsed.data;
  return {
    interfaces: {
      'wasi:http/types': types,
      'wasi:http/outgoing-handler': outgoingHandler(o),
    },
    /** Called at the start of every run: streams handed out now belong to this host. */
    beginRun(): void {
      activateIo(io);
    },
  };
}

/** Request as plain data (from a server, across a thread boundary). */
export interface IncomingData {
  method: string;
  pathWithQuery: string;
  scheme?: 'http' | 'https';
  authority?: string;
  /** Raw header list (name, value) in order; forbidden and malformed ones are dropped. */
  headers: [string, string][];
  body: Uint8Array;
}

/**
 * The arguments of `handle` for one request, and the response once it returned.
 * Making them ends every wasi:http object of the previous request.
 */
export function incoming(data: IncomingData): { args: [IncomingRequest, ResponseOutparam]; outcome: () => HandleOutcome } {
  const epoch = nextEpoch();
  const headers: [string, Uint8Array][] = [];
  for (const [name, value] of data.headers) {
    const key = name.toLowerCase();
    if (FORBIDDEN_HEADERS.has(key) || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(key)) continue;
    headers.push([key, new Uint8Array(Buffer.from(value, 'latin1'))]);
  }
  const request: RequestData = {
    method: data.method, pathWithQuery: data.pathWithQuery, scheme: data.scheme ?? 'http',
    ...(data.authority !== undefined ? { authority: data.authority } : {}), headers, body: data.body,
  };
  const param = new ResponseOutparam(epoch);
  return { args: [new IncomingRequest(epoch, request), param], outcome: () => outcomeOf(param) };
}
