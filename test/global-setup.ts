// Fixtures are built from the C/WAT sources by scripts/build-fixtures.sh
// (`npm test` runs it first); fail early with a clear message if it did not run.
// Also makes the folder a worker's fatal-error report goes to (vitest.config.ts):
// Node writes none into a folder that does not exist.
import { existsSync, mkdirSync } from 'node:fs';
import { FIXTURES, fixture } from './helpers.js';

export default function setup(): void {
  mkdirSync(new URL('../.cache/node-reports', import.meta.url), { recursive: true });
  const missing = FIXTURES.filter((name) => !existsSync(fixture(name)));
  if (missing.length) throw new Error(`missing fixtures ${missing.join(', ')}: run \`npm run fixtures\` (needs clang and wasi-libc)`);
}
