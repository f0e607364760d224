// Prints what each Node diagnostic report in the given folder says about a
// test worker's fatal error (see vitest.config.ts): the event, the
// JavaScript stack and the top of the native stack.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const files = dir && existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
for (const f of files) {
  const r = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  console.log(`fatal error in a test worker (${f}): ${r.header?.event} (${r.header?.trigger}), node ${r.header?.nodejsVersion}`);
  console.log(`  ${r.javascriptStack?.message ?? ''}`);
  for (const line of (r.javascriptStack?.stack ?? []).slice(0, 15)) console.log(`  ${line}`);
  for (const frame of (r.nativeStack ?? []).slice(0, 10)) console.log(`  native: ${frame.symbol}`);
}
