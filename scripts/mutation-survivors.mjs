// Lists the surviving (and no-coverage) mutants of one area's Stryker JSON
// report, with the score: node scripts/mutation-survivors.mjs AREA
import { readFileSync } from 'node:fs';

const area = process.argv[2] ?? 'core';
const report = JSON.parse(readFileSync(`reports/mutation/${area}/mutation.json`, 'utf8'));
const count = {};
for (const [file, { mutants, source }] of Object.entries(report.files)) {
  const lines = source.split('\n');
  for (const m of mutants) {
    count[m.status] = (count[m.status] ?? 0) + 1;
    if (m.status !== 'Survived' && m.status !== 'NoCoverage') continue;
    const { line, column } = m.location.start;
    console.log(`${file}:${line}:${column} ${m.status} ${m.mutatorName}: ${JSON.stringify(m.replacement ?? '')}`);
    console.log(`    ${lines[line - 1].trim()}`);
  }
}
const killed = (count.Killed ?? 0) + (count.Timeout ?? 0);
const valid = killed + (count.Survived ?? 0) + (count.NoCoverage ?? 0);
console.log(JSON.stringify(count), `score ${(100 * killed / valid).toFixed(1)}% (${killed} of ${valid})`);
