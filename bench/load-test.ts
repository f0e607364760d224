// `npm run load-test`: starts `rewind serve` in a second process on loopback,
// once per server mode, and loads it from this process with autocannon
// (keep-alive connections, a 1 s warm-up, then LOAD_SECONDS, default 5): a
// CGI command with reuse and with a fresh instance per request, and a
// wasi:http component under each reset policy beside jco's HTTPServer
// (src/bench/http-load.ts). Prints the tables and writes
// bench/results/load.json and load.html (table and chart).
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { cgiLoad, FRESH_SERVER, httpLoad, type HttpLoadRow } from '../src/bench/http-load.js';
import type { Measurement } from '../src/bench/measure.js';
import { htmlReport } from '../src/bench/report.js';

const fixture = (name: string) => fileURLToPath(new URL(`../test/fixtures/build/${name}.wasm`, import.meta.url));
const seconds = Number(process.env.LOAD_SECONDS ?? 5);

const cgi = await cgiLoad(fixture('cgi'), { seconds });
console.table(cgi);
console.log(`CGI: reuse serves ${(cgi[0]!.requestsPerSec / cgi[1]!.requestsPerSec).toFixed(1)}x the requests/s of a fresh instance per request`);
const http = await httpLoad(fixture('http-hello'), { seconds });
console.table(http);
const rps = (server: string) => http.find((r) => r.server === server)!.requestsPerSec;
console.log(`wasi:http: 'always' serves ${(rps("rewind serve, reset 'always'") / rps(FRESH_SERVER)).toFixed(1)}x the requests/s of a fresh instance per request, ${(rps("rewind serve, reset 'always'") / rps("rewind serve, reset 'never'")).toFixed(2)}x those of 'never'`);

// The report: requests/s in the runs/s columns, server CPU ms per request in the reset column.
const row = (program: string) => (r: HttpLoadRow): Measurement => ({
  program, mode: r.server, runs: r.requests, runsPerSec: r.requestsPerSec, p50Ms: r.p50Ms, p99Ms: r.p99Ms,
  meanResetMs: r.cpuMsPerRequest ?? NaN, wasmMemoryBytes: null, rssMiB: NaN,
});
const report = {
  date: new Date().toISOString(), node: process.version, baselineMode: FRESH_SERVER,
  measurements: [...cgi.map(row('CGI command (requests/s)')), ...http.map(row('wasi:http hello (requests/s)'))],
};
const out = new URL('./results/', import.meta.url).pathname;
await mkdir(out, { recursive: true });
await writeFile(`${out}load.json`, `${JSON.stringify({ ...report, cgi, http }, null, 2)}\n`);
await writeFile(`${out}load.html`, htmlReport(report));
console.log(`wrote ${out}load.json and ${out}load.html (requests/s; the reset column holds server CPU ms per request)`);
