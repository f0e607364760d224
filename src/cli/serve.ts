// `rewind serve`: runs until SIGINT/SIGTERM; prints the URL once listening.
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
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
  });
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await pool.close();
  return 0;
}
