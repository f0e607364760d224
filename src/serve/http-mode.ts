// `rewind serve` for wasi:http proxy components: each client request becomes
// one call of the component's incoming-handler#handle on a pool worker, with
// the reset policy applied per request. The server frames the response: the
// guest's status and headers (already free of hop-by-hop headers, see
// shims/http/fields.ts) and its buffered body with our own content-length.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RewindPool } from '../pool/pool.js';
import type { HttpReply } from './http-call.js';
import type { ResetPolicy } from '../reactor/policy.js';

/** Whether a component exports wasi:http/incoming-handler: its core export `…incoming-handler@0.2.x#handle` is named in the binary. */
export function exportsIncomingHandler(bytes: Uint8Array): boolean {
  return /wasi:http\/incoming-handler@0\.2\.\d+#handle/.test(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'));
}

/** Headers the server sets itself. */
const SERVER_HEADERS = new Set(['content-length', 'x-request-id', 'date']);

export function toIncoming(req: IncomingMessage, body: Buffer) {
  const headers: [string, string][] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.push([raw[i]!, raw[i + 1]!]);
  return {
    method: req.method ?? 'GET',
    pathWithQuery: req.url ?? '/',
    scheme: 'http' as const,
    ...(req.headers.host !== undefined ? { authority: req.headers.host } : {}),
    headers,
    body,
  };
}

export interface HttpModeContext {
  pool: RewindPool;
  reset: ResetPolicy;
  log: (line: string) => void;
  reply: (res: ServerResponse, status: number, text: string, id: string) => void;
}

/** Sends the guest's response, or a generic 500/502 (details go to the log). */
export async function answerHttp(ctx: HttpModeContext, req: IncomingMessage, res: ServerResponse, id: string, body: Buffer): Promise<void> {
  const r: HttpReply = await ctx.pool.runHttp({ request: toIncoming(req, body), reset: ctx.reset });
  if (!r.ok) {
    const stderr = JSON.stringify(Buffer.from(r.stderr).toString('utf8'));
    ctx.log(`[${id}] ${req.method} ${req.url}: ${r.reason}; stderr ${stderr}`);
    ctx.reply(res, 500, 'internal server error', id);
    return;
  }
  const { status, headers, body: out } = r.response;
  if (status < 200) {
    ctx.log(`[${id}] ${req.method} ${req.url}: the handler answered with status ${status} (informational status is not a final response)`);
    ctx.reply(res, 502, 'bad gateway: the program sent a malformed response', id);
    return;
  }
  if (res.destroyed) return;
  const flat: string[] = [];
  for (const [name, value] of headers) if (!SERVER_HEADERS.has(name)) flat.push(name, Buffer.from(value).toString('latin1'));
  flat.push('content-length', String(out.length), 'x-request-id', id);
  res.writeHead(status, flat).end(req.method === 'HEAD' ? undefined : out);
}
