// `rewind serve`: an HTTP server on loopback that answers each request by
// running the component once (CGI-style) on a RewindPool worker.
import { createServer, type Server } from 'node:http';
import { RewindError, TimeoutError } from '../errors.js';
import type { Strategy } from '../options.js';
import { QueueFullError, RewindPool } from '../pool/pool.js';
import { cgiEnv, parseCgiOutput } from './cgi.js';

export class ServeError extends RewindError {
  constructor(message: string) { super('SERVE_FAILED', message); }
}

export interface ServeOptions {
  port: number;
  host: string;
  workers: number;
  strategy: Strategy;
  timeoutMs: number;
  dirs: Record<string, string>;
}

export async function serve(file: string, o: ServeOptions): Promise<{ server: Server; pool: RewindPool; url: string }> {
  const pool = await RewindPool.create(file, {
    workers: o.workers,
    timeoutMs: o.timeoutMs,
    instance: { strategy: o.strategy, dirs: o.dirs },
  });
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    try {
      const r = await pool.run({ stdin: body, env: cgiEnv(req, body) });
      if (r.exitCode !== 0) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`run failed: ${r.trap?.message ?? `exit code ${r.exitCode}`}\n${Buffer.from(r.stderr)}`);
        return;
      }
      const out = parseCgiOutput(r.stdout);
      res.writeHead(out.status, out.headers).end(out.body);
    } catch (e) {
      const status = e instanceof TimeoutError ? 504 : e instanceof QueueFullError ? 503 : 500;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(`${e instanceof RewindError ? e.message : 'internal error'}\n`);
    }
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
  return { server, pool, url: `http://${o.host}:${port}` };
}
