// `rewind serve`: an HTTP server that answers each request by running the
// component once (CGI-style, see cgi.ts) on a RewindPool worker.
//
// Clients are untrusted: request bodies and headers are bounded (413, 431),
// slow or vanished clients cost a timer, not the process, and a failed run is
// logged server-side under a request id while the client gets a generic body
// (no guest stderr or trap text leaves the server).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { RewindError, TimeoutError } from '../errors.js';
import { boundsCheckOptions, memoryTrackingOptions, strategies, validate } from '../options.js';
import { QueueFullError, QueueTimeoutError, RewindPool } from '../pool/pool.js';
import { httpOptionsSchema } from '../../shims/http/options.js';
import { CgiOutputError, cgiEnv, parseCgiOutput } from './cgi.js';
import { answerHttp, exportsIncomingHandler } from './http-mode.js';
import { resetPolicySchema } from '../reactor/policy.js';

export class ServeError extends RewindError {
  constructor(message: string) { super('SERVE_FAILED', message); }
}

const serveOptionsSchema = z.object({
  port: z.number().int().min(0).max(65535),
  host: z.string().min(1).default('127.0.0.1'),
  workers: z.number().int().positive().max(256).default(2),
  strategy: z.enum(strategies).default('snapshot'),
  /** The instances' memory modes (CreateOptions.memoryTracking and boundsChecks). */
  memoryTracking: z.enum(memoryTrackingOptions).default('marks'),
  boundsChecks: z.enum(boundsCheckOptions).default('virtual'),
  /** Execution time limit of one run. */
  timeoutMs: z.number().int().positive().default(10_000),
  /** Most time a request waits for a free worker (default: timeoutMs). */
  queueTimeoutMs: z.number().int().positive().optional(),
  maxQueue: z.number().int().nonnegative().default(256),
  dirs: z.record(z.string(), z.string()).default({}),
  /** Largest request body; more is answered 413. */
  maxBodyBytes: z.number().int().nonnegative().default(1 << 20),
  /** Largest request head (request line and headers); more is answered 431 by Node's parser. */
  maxHeaderBytes: z.number().int().positive().max(1 << 20).default(16 << 10),
  /** Time a client has to send its headers, and its whole request. */
  headersTimeoutMs: z.number().int().positive().default(10_000),
  requestTimeoutMs: z.number().int().positive().default(30_000),
  /** Open connections at most (bounds buffered bodies to maxConnections * maxBodyBytes); more are refused. */
  maxConnections: z.number().int().positive().default(256),
  /**
   * How requests reach the program: `cgi` runs a command once per request (CGI/1.1),
   * `http` calls a wasi:http proxy component's incoming-handler; `auto` picks `http`
   * when the component exports wasi:http/incoming-handler.
   */
  mode: z.enum(['auto', 'cgi', 'http']).default('auto'),
  /** wasi:http mode: when the instance is rewound (per request by default). */
  reset: resetPolicySchema.default('always'),
  /** wasi:http mode: outgoing requests (denied unless allow-listed). */
  http: httpOptionsSchema.optional(),
  /** Server-side log lines (failed runs with their request id); stderr by default. */
  log: z.custom<(line: string) => void>((v) => typeof v === 'function').optional(),
}).strict().refine((o) => o.headersTimeoutMs <= o.requestTimeoutMs, { message: 'headersTimeoutMs cannot exceed requestTimeoutMs', path: ['headersTimeoutMs'] });
export type ServeOptions = z.input<typeof serveOptionsSchema>;

/** Bounded excerpt of guest output for the log. */
const excerpt = (bytes: Uint8Array) => JSON.stringify(Buffer.from(bytes.subarray(0, 2048)).toString('utf8'));

function reply(res: ServerResponse, status: number, text: string, id: string, close = false): void {
  if (res.headersSent || res.destroyed) return;
  const body = `${text} (request ${id})\n`;
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-request-id': id,
    ...(close ? { connection: 'close' } : {}),
  }).end(body);
}

/** Answers 413 and drops the connection once the answer is out (the rest of the body is never read). */
function tooLarge(req: IncomingMessage, res: ServerResponse, max: number, id: string): null {
  const socket = req.socket;
  res.once('finish', () => socket.destroy());
  reply(res, 413, `request body larger than ${max} bytes`, id, true);
  return null;
}

/** Reads the body up to `max` bytes; null when the client sent more (answered 413). */
async function readBody(req: IncomingMessage, res: ServerResponse, max: number, id: string): Promise<Buffer | null> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > max) return tooLarge(req, res, max, id);
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving the loop early must not destroy the socket before the 413 is out.
  for await (const chunk of req.iterator({ destroyOnReturn: false })) {
    size += (chunk as Buffer).length;
    if (size > max) return tooLarge(req, res, max, id);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

export async function serve(file: string, options: ServeOptions): Promise<{ server: Server; pool: RewindPool; url: string; mode: 'cgi' | 'http' }> {
  const o = validate(serveOptionsSchema, options, 'serve options');
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let mode = o.mode;
  if (mode === 'auto') {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(file);
    } catch (e) {
      throw new ServeError(`cannot read ${file}: ${(e as Error).message}`);
    }
    mode = exportsIncomingHandler(bytes) ? 'http' : 'cgi';
  }
  const pool = await RewindPool.create(file, {
    workers: o.workers,
    timeoutMs: o.timeoutMs,
    queueTimeoutMs: o.queueTimeoutMs ?? o.timeoutMs,
    maxQueue: o.maxQueue,
    instance: { strategy: o.strategy, dirs: o.dirs, memoryTracking: o.memoryTracking, boundsChecks: o.boundsChecks, ...(mode === 'http' ? { http: o.http } : {}) },
    // A proxy component has no wasi:cli/run to warm up with (and under reset
    // "never" a warm-up request would leave state behind).
    ...(mode === 'http' ? { warmRun: false as const } : {}),
  });
  /** A run the pool could not complete: 504 (time limit), 503 (busy), else 500; the details go to the log. */
  const poolFailure = (req: IncomingMessage, res: ServerResponse, id: string, e: unknown) => {
    const [status, text] = e instanceof TimeoutError ? [504, 'the program took too long']
      : e instanceof QueueFullError || e instanceof QueueTimeoutError ? [503, 'the server is busy']
        : [500, 'internal server error'];
    log(`[${id}] ${req.method} ${req.url}: ${e instanceof RewindError ? `${e.code}: ${e.message}` : String(e)}`);
    reply(res, status, text, id);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse, id: string) => {
    const body = await readBody(req, res, o.maxBodyBytes, id);
    if (!body) return;
    if (mode === 'http') return answerHttp({ pool, reset: o.reset, log, reply }, req, res, id, body).catch((e: unknown) => poolFailure(req, res, id, e));
    let r;
    try {
      r = await pool.run({ stdin: body, env: cgiEnv(req, body) });
    } catch (e) {
      poolFailure(req, res, id, e);
      return;
    }
    if (r.exitCode !== 0) {
      log(`[${id}] ${req.method} ${req.url}: run failed (${r.trap ? `${r.trap.kind}: ${r.trap.message}` : `exit code ${r.exitCode}`}); stderr ${excerpt(r.stderr)}`);
      reply(res, 500, 'internal server error', id);
      return;
    }
    let out;
    try {
      out = parseCgiOutput(r.stdout);
    } catch (e) {
      if (!(e instanceof CgiOutputError)) throw e;
      log(`[${id}] ${req.method} ${req.url}: malformed CGI response: ${e.message}; stdout ${excerpt(r.stdout)}`);
      reply(res, 502, 'bad gateway: the program sent a malformed response', id);
      return;
    }
    if (res.destroyed) return;
    res.writeHead(out.status, { ...out.headers, 'content-length': out.body.length, 'x-request-id': id }).end(out.body);
  };
  const server = createServer({
    maxHeaderSize: o.maxHeaderBytes,
    headersTimeout: o.headersTimeoutMs,
    requestTimeout: o.requestTimeoutMs,
    // How often those two are checked (Node's default, 30 s, would let them overrun).
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(o.headersTimeoutMs / 4))),
  }, (req, res) => {
    const id = randomBytes(6).toString('hex');
    // A client that disconnects mid-request ends its own request, nothing else.
    req.on('error', () => {});
    res.on('error', () => {});
    handle(req, res, id).catch((e: unknown) => {
      if (req.destroyed && !res.headersSent) return; // the client went away (aborted body)
      log(`[${id}] ${req.method} ${req.url}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      reply(res, 500, 'internal server error', id);
    });
  });
  server.maxConnections = o.maxConnections;
  server.on('clientError', (err, socket) => {
    // Node's parser errors (431 for large heads, 400 otherwise, 408 on timeouts).
    const code = (err as { code?: string }).code;
    const status = code === 'HPE_HEADER_OVERFLOW' ? 431 : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    if (socket.writable) socket.end(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    else socket.destroy();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host, resolve);
    });
  } catch (e) {
    await pool.close();
    throw new ServeError(`cannot listen on ${o.host}:${o.port}: ${(e as Error).message}`);
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  return { server, pool, mode, url: `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}` };
}
