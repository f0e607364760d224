// `npm run load-test`: starts `rewind serve` (a second process) on loopback
// once per strategy and loads it from this process with keep-alive clients,
// bounded in time and count. Prints requests/s of reuse vs a fresh instance
// per request.
import { fileURLToPath } from 'node:url';
import { loadTest } from '../src/bench/load.js';
import { spawnServe } from '../src/serve/spawn.js';

const cgi = fileURLToPath(new URL('../test/fixtures/build/cgi.wasm', import.meta.url));
const seconds = Number(process.env.LOAD_SECONDS ?? 5);

async function withServer<T>(strategy: string, fn: (url: string) => Promise<T>): Promise<T> {
  const { url, child } = await spawnServe([cgi, '--workers', '2', '--strategy', strategy]);
  try {
    return await fn(url);
  } finally {
    child.kill('SIGTERM');
  }
}

const rows = [];
for (const strategy of ['snapshot', 'reinstantiate']) {
  const r = await withServer(strategy, async (url) => {
    await loadTest(url, { connections: 4, durationMs: 500, maxRequests: 200 }); // warm-up
    return loadTest(url, { connections: 8, durationMs: seconds * 1000, maxRequests: 1_000_000 });
  });
  rows.push({ strategy, ...r, requestsPerSec: Number(r.requestsPerSec.toFixed(1)) });
}
console.table(rows);
console.log(`reuse serves ${(rows[0]!.requestsPerSec / rows[1]!.requestsPerSec).toFixed(1)}x the requests/s of a fresh instance per request`);

// wasi:http: the hello proxy component under each reset policy and jco's HTTPServer (src/bench/http-load.ts).
console.table(await (await import('../src/bench/http-load.js')).httpLoad(fileURLToPath(new URL('../test/fixtures/build/http-hello.wasm', import.meta.url)), { seconds }));
