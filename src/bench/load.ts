// A bounded HTTP load generator for loopback: `connections` keep-alive
// clients send requests back to back until `durationMs` or `maxRequests`.
import { Agent, request } from 'node:http';

export interface LoadResult { requests: number; errors: number; seconds: number; requestsPerSec: number; statuses: Record<number, number> }

export async function loadTest(url: string, o: { connections: number; durationMs: number; maxRequests: number; body?: string }): Promise<LoadResult> {
  const target = new URL(url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname)) throw new Error('load tests only target loopback');
  const agent = new Agent({ keepAlive: true, maxSockets: o.connections });
  const statuses: Record<number, number> = {};
  let requests = 0;
  let errors = 0;
  const start = performance.now();
  const deadline = start + o.durationMs;
  const one = () => new Promise<void>((resolve) => {
    const req = request(target, { method: 'POST', agent }, (res) => {
      res.resume();
      res.on('end', () => {
        statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
        resolve();
      });
    });
    req.on('error', () => {
      errors++;
      resolve();
    });
    req.end(o.body ?? 'ping');
  });
  const client = async () => {
    while (performance.now() < deadline && requests < o.maxRequests) {
      requests++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: o.connections }, client));
  agent.destroy();
  const seconds = (performance.now() - start) / 1000;
  return { requests, errors, seconds, requestsPerSec: requests / seconds, statuses };
}
