// Sums vitest JSON reports into the plain closing line `N passed, N failed`.
// A run that left no report, or failed outside any test (a failing hook),
// counts as one failure; a test that never finished (its worker crashed) as one each.
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    console.log(`${file}: no report`);
    failed += 1;
    continue;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  // Tests of a file whose worker died stay in the total but in no count (vitest still
  // calls such a run a success): each one counts as a failure.
  const skipped = r.numPendingTests + r.numTodoTests;
  const lost = Math.max(0, r.numTotalTests - r.numPassedTests - r.numFailedTests - skipped);
  console.log(`${file}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped${lost ? `, ${lost} never finished` : ''}`);
  passed += r.numPassedTests;
  failed += r.numFailedTests + lost + (r.success || r.numFailedTests > 0 || lost > 0 ? 0 : 1);
}
console.log(`${passed} passed, ${failed} failed`);
