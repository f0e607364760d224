// The response side: outgoing-response (status, immutable headers, body
// once) and outgoing-body, whose output-stream appends to a bounded buffer.
// The body counts only once finished; a declared content-length must match.
import { CLOSED } from '../io.js';
import { activeIo } from './active.js';
import { currentEpoch, liveOrTrap, type Epoch } from './epoch.js';
import { Fields } from './fields.js';

/** Most response body bytes one request may produce (the rest of a write fails as a closed stream). */
export const MAX_RESPONSE_BYTES = 64 << 20;

export interface ResponseData {
  status: number;
  headers: [string, Uint8Array][];
  body: Uint8Array;
}

export class OutgoingBody {
  #stream = false;
  chunks: Uint8Array[] = [];
  size = 0;
  finished = false;
  overflow = false;
  constructor(readonly epoch: Epoch, readonly declared: number | undefined) {}

  write(): unknown {
    liveOrTrap(this.epoch);
    if (this.#stream) throw undefined;
    this.#stream = true;
    const body = this;
    return new (activeIo().OutputStream)({
      write(bytes: Uint8Array) {
        liveOrTrap(body.epoch);
        if (body.finished) throw CLOSED;
        if (body.size + bytes.length > MAX_RESPONSE_BYTES) {
          body.overflow = true;
          throw CLOSED;
        }
        body.chunks.push(bytes.slice());
        body.size += bytes.length;
      },
    });
  }

  static finish(body: OutgoingBody, _trailers?: Fields): void {
    liveOrTrap(body.epoch);
    if (body.finished) throw { tag: 'internal-error', val: 'body already finished' };
    body.finished = true;
    if (body.declared !== undefined && body.declared !== body.size) {
      throw { tag: 'HTTP-response-body-size', val: BigInt(body.size) };
    }
  }
}

export class OutgoingResponse {
  #status = 200;
  #body: OutgoingBody | undefined;
  #claimed = false;
  readonly epoch: Epoch;
  readonly #headers: Fields;

  constructor(headers: Fields) {
    this.epoch = currentEpoch();
    this.#headers = Fields.freeze(headers);
  }
  statusCode(): number {
    liveOrTrap(this.epoch);
    return this.#status;
  }
  setStatusCode(status: number): void {
    liveOrTrap(this.epoch);
    if (!Number.isInteger(status) || status < 100 || status > 999) throw undefined;
    this.#status = status;
  }
  headers(): Fields {
    liveOrTrap(this.epoch);
    return this.#headers;
  }
  body(): OutgoingBody {
    liveOrTrap(this.epoch);
    if (this.#body) throw undefined;
    const declared = this.#headers.get('content-length');
    const length = declared.length === 1 ? Number(Buffer.from(declared[0]!).toString('latin1')) : undefined;
    return (this.#body = new OutgoingBody(this.epoch, length !== undefined && Number.isSafeInteger(length) && length >= 0 ? length : undefined));
  }

  /** Marks the response as handed to a response-outparam (once). */
  static claim(response: OutgoingResponse): void {
    liveOrTrap(response.epoch);
    if (response.#claimed) throw new Error('outgoing-response set twice');
    response.#claimed = true;
  }

  static data(response: OutgoingResponse): { status: number; headers: [string, Uint8Array][]; body: OutgoingBody | undefined } {
    return { status: response.#status, headers: response.#headers.entries(), body: response.#body };
  }
}

/** The response as plain data, or why it cannot be sent. */
export function responseResult(response: OutgoingResponse): { ok: true; response: ResponseData } | { ok: false; reason: string } {
  const { status, headers, body } = OutgoingResponse.data(response);
  if (body && body.overflow) return { ok: false, reason: `the response body exceeded ${MAX_RESPONSE_BYTES} bytes` };
  if (body && !body.finished) return { ok: false, reason: 'the response body was not finished (outgoing-body.finish)' };
  const bytes = body ? Buffer.concat(body.chunks, body.size) : new Uint8Array();
  if (body?.declared !== undefined && body.declared !== bytes.length) return { ok: false, reason: 'the response body does not match its content-length' };
  return { ok: true, response: { status, headers, body: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) } };
}
