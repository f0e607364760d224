// Sums vitest JSON reports into the plain closing line `N passed, N failed`.
// A run that left no report, or failed outside any test (a crashed worker, a
// failing hook), counts as one failure.
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
  console.log(`${file}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
  passed += r.numPassedTests;
  failed += r.numFailedTests + (r.success || r.numFailedTests > 0 ? 0 : 1);
}
console.log(`${passed} passed, ${failed} failed`);
