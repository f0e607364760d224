// `rewind serve`: runs until SIGINT/SIGTERM; prints the URL once listening.
// On the signal it stops accepting connections and lets the requests in
// flight finish (for --drain-timeout at most, or until a second signal), then
// closes what is left and the pool: a rolling restart loses no request.
import type { Server } from 'node:http';
import type { z } from 'zod';
import { formatPolicy } from '../reactor/policy.js';
import { serve } from '../serve/server.js';
import type { serveFlags } from './flags.js';

export async function serveCommand(flags: z.output<typeof serveFlags>): Promise<number> {
  const { server, pool, url, mode } = await serve(flags.file, {
    port: flags.port,
    host: flags.host,
    workers: flags.workers,
    strategy: flags.strategy,
    ...(flags.memoryTracking ? { memoryTracking: flags.memoryTracking } : {}),
    ...(flags.boundsChecks ? { boundsChecks: flags.boundsChecks } : {}),
    timeoutMs: flags.timeout,
    ...(flags.queueTimeout ? { queueTimeoutMs: flags.queueTimeout } : {}),
    ...(flags.maxBody !== undefined ? { maxBodyBytes: flags.maxBody } : {}),
    ...(flags.maxHeader !== undefined ? { maxHeaderBytes: flags.maxHeader } : {}),
    dirs: Object.fromEntries(flags.dir.map((d) => [d.guest, d.host])),
    ...(flags.reset ? { reset: flags.reset } : {}),
    ...(flags.allowOutgoing.length ? { http: { allowOutgoing: flags.allowOutgoing } } : {}),
  });
  const how = mode === 'http' ? `wasi:http, reset ${formatPolicy(flags.reset ?? 'always')}` : 'CGI';
  process.stdout.write(`listening on ${url} (${flags.workers} workers, strategy ${flags.strategy}, ${how})\n`);
  await new Promise<void>((resolve) => {
    for (const signal of SIGNALS) process.once(signal, () => resolve());
  });
  await drain(server, flags.drainTimeout);
  await pool.close();
  return 0;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Stops accepting; resolves once every connection is closed (idle ones at once, busy ones after their response or after `ms`). */
function drain(server: Server, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const force = () => server.closeAllConnections();
    // A keep-alive connection becomes idle when its response is sent.
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    const timer = setTimeout(force, ms);
    for (const signal of SIGNALS) process.once(signal, force);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(timer);
      for (const signal of SIGNALS) process.off(signal, force);
      resolve();
    });
  });
}
