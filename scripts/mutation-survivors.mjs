// Lists the surviving (and no-coverage) mutants of one area's Stryker JSON
// report, with the score:
//   node scripts/mutation-survivors.mjs AREA [RERUN_REPORT...]
// A re-run over some lines (`--mutate file:lines`, its report copied aside)
// overrides the status of the mutants it ran, matched by file, the text of
// their line, column, mutator and replacement (so lines that moved since
// still match); its mutants on lines the base report does not have (new
// code) are added.
import { readFileSync } from 'node:fs';

const [area = 'core', ...reruns] = process.argv.slice(2);
const load = (path) => JSON.parse(readFileSync(path, 'utf8'));
const report = load(`reports/mutation/${area}/mutation.json`);
const key = (file, lines, m) => `${file}:${lines[m.location.start.line - 1].trim()}:${m.location.start.column}:${m.mutatorName}:${m.replacement ?? ''}`;
const override = new Map();
for (const path of reruns) {
  for (const [file, { mutants, source }] of Object.entries(load(path).files)) {
    const lines = source.split('\n');
    for (const m of mutants) override.set(key(file, lines, m), { ...m, file, lines });
  }
}
const matched = new Set();
const count = {};
let rerun = 0;
for (const [file, { mutants, source }] of Object.entries(report.files)) {
  const lines = source.split('\n');
  for (const m of mutants) {
    const k = key(file, lines, m);
    const status = override.get(k)?.status ?? m.status;
    if (override.has(k)) { rerun++; matched.add(k); }
    count[status] = (count[status] ?? 0) + 1;
    if (status !== 'Survived' && status !== 'NoCoverage') continue;
    const { line, column } = m.location.start;
    console.log(`${file}:${line}:${column} ${status}${m.static ? ' (static)' : ''} ${m.mutatorName}: ${JSON.stringify(m.replacement ?? '')}`);
    console.log(`    ${lines[line - 1].trim()}`);
  }
}
let added = 0;
for (const [k, m] of override) {
  if (matched.has(k) || m.status === 'Ignored') continue;
  added++;
  count[m.status] = (count[m.status] ?? 0) + 1;
  if (m.status !== 'Survived' && m.status !== 'NoCoverage') continue;
  console.log(`${m.file}:${m.location.start.line}:${m.location.start.column} ${m.status} (new) ${m.mutatorName}: ${JSON.stringify(m.replacement ?? '')}`);
  console.log(`    ${m.lines[m.location.start.line - 1].trim()}`);
}
const killed = (count.Killed ?? 0) + (count.Timeout ?? 0);
const valid = killed + (count.Survived ?? 0) + (count.NoCoverage ?? 0);
if (reruns.length) console.log(`${rerun} mutants taken from the re-runs, ${added} added by them`);
console.log(JSON.stringify(count), `score ${(100 * killed / valid).toFixed(1)}% (${killed} of ${valid})`);
