// Fixtures are built from the C/WAT sources by scripts/build-fixtures.sh
// (`npm test` runs it first); fail early with a clear message if it did not run.
import { existsSync } from 'node:fs';
import { FIXTURES, fixture } from './helpers.js';

export default function setup(): void {
  const missing = FIXTURES.filter((name) => !existsSync(fixture(name)));
  if (missing.length) throw new Error(`missing fixtures ${missing.join(', ')}: run \`npm run fixtures\` (needs clang and wasi-libc)`);
}
