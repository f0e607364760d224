// HTTP load for wasi:http serving: each server runs in its own process and
// autocannon loads it from this one over loopback keep-alive connections.
// Servers: `rewind serve` with the instance rewound per request ('always'),
// never rewound ('never'), a fresh instance per request with our host
// (strategy reinstantiate), and jco's way: preview2-shim's HTTPServer with a
// fresh instance per request, and with one shared instance.
// Bounded: LOAD_SECONDS per server (default 5) after a 1 s warm-up.
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnListening, spawnServe } from '../serve/spawn.js';

export interface HttpLoadRow {
  server: string;
  requestsPerSec: number;
  /** Server process CPU time (all threads) per request: robust to other load on the machine. */
  cpuMsPerRequest: number | null;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (o: { url: string; connections: number; duration: number; pipelining?: number }) => Promise<AutocannonResult>;

const built = fileURLToPath(new URL('./http-jco-server.js', import.meta.url));
const jcoServer = existsSync(built) ? [built] : ['--import', import.meta.resolve('tsx'), fileURLToPath(new URL('./http-jco-server.ts', import.meta.url))];

/** CPU milliseconds a process has used so far (Linux /proc; null elsewhere). */
function cpuMs(pid: number | undefined): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in USER_HZ (100)
  } catch {
    return null;
  }
}

/** Starts preview2-shim's HTTPServer in a child process; resolves once it listens. */
function spawnJco(file: string, mode: 'shared' | 'fresh'): Promise<{ url: string; child: ChildProcess }> {
  return spawnListening('the jco server', [...jcoServer, file, mode]);
}

type Start = () => Promise<{ url: string; child: ChildProcess }>;

/** Loads each server (a process of its own) with autocannon in turn: 1 s warm-up, then `seconds`. */
export async function loadServers(servers: [string, Start][], o: { seconds: number; connections?: number }): Promise<HttpLoadRow[]> {
  const { default: autocannon } = (await import('autocannon' as string)) as { default: Autocannon };
  const connections = o.connections ?? 8;
  const rows: HttpLoadRow[] = [];
  for (const [server, start] of servers) {
    const { url, child } = await start();
    try {
      await autocannon({ url, connections, duration: 1 }); // warm-up (JIT, caches)
      const cpu0 = cpuMs(child.pid);
      const r = await autocannon({ url, connections, duration: o.seconds });
      const cpu1 = cpuMs(child.pid);
      rows.push({
        server, requestsPerSec: Math.round(r.requests.average),
        cpuMsPerRequest: cpu0 === null || cpu1 === null || !r.requests.total ? null : Number(((cpu1 - cpu0) / r.requests.total).toFixed(2)),
        p50Ms: r.latency.p50, p99Ms: r.latency.p99,
        requests: r.requests.total, non2xx: r.non2xx, errors: r.errors + r.timeouts,
      });
    } finally {
      child.kill('SIGTERM');
    }
  }
  return rows;
}

export const FRESH_SERVER = 'rewind serve, fresh instance per request';

export function httpLoad(file: string, o: { seconds: number; connections?: number; workers?: number } = { seconds: 5 }): Promise<HttpLoadRow[]> {
  const workers = String(o.workers ?? 1);
  return loadServers([
    ["rewind serve, reset 'always'", () => spawnServe([file, '--workers', workers, '--reset', 'always'])],
    ["rewind serve, reset 'never'", () => spawnServe([file, '--workers', workers, '--reset', 'never'])],
    [FRESH_SERVER, () => spawnServe([file, '--workers', workers, '--strategy', 'reinstantiate'])],
    ['jco + preview2-shim HTTPServer, fresh instance per request', () => spawnJco(file, 'fresh')],
    ['jco + preview2-shim HTTPServer, one shared instance', () => spawnJco(file, 'shared')],
  ], o);
}

/** A CGI command served with reuse and with a fresh instance per request (2 workers). */
export function cgiLoad(file: string, o: { seconds: number; connections?: number }): Promise<HttpLoadRow[]> {
  return loadServers([
    ['rewind serve, snapshot reuse', () => spawnServe([file, '--workers', '2', '--strategy', 'snapshot'])],
    [FRESH_SERVER, () => spawnServe([file, '--workers', '2', '--strategy', 'reinstantiate'])],
  ], o);
}

// `tsx src/bench/http-load.ts [component]`: the wasi:http table alone.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2] ?? fileURLToPath(new URL('../../test/fixtures/build/http-hello.wasm', import.meta.url));
  const rows = await httpLoad(file, { seconds: Number(process.env.LOAD_SECONDS ?? 5) });
  console.table(rows);
  const rps = (i: number) => rows[i]!.requestsPerSec;
  const cpu = (i: number) => rows[i]!.cpuMsPerRequest ?? NaN;
  console.log(`'always' serves ${(rps(0) / rps(2)).toFixed(1)}x the requests/s of a fresh instance per request, ${(rps(0) / rps(1)).toFixed(2)}x those of 'never'`);
  console.log(`server CPU per request: 'always' ${cpu(0)} ms, 'never' ${cpu(1)} ms, fresh instance ${cpu(2)} ms (${(cpu(2) / cpu(0)).toFixed(1)}x 'always')`);
}
