// Runs conformance case files given on the command line; exits 1 on failure.
import { loadCase, runCase } from './runner.js';

let failed = 0;
for (const file of process.argv.slice(2)) {
  const c = await loadCase(file);
  const failures = await runCase(c);
  process.stdout.write(`${failures.length ? 'FAIL' : 'ok  '} ${c.name}\n${failures.map((f) => `     ${f}\n`).join('')}`);
  if (failures.length) failed++;
}
process.exitCode = failed ? 1 : 0;
