// Assembles every .wat (core module or component) in a directory with jco's
// wasm-tools parser, so fixtures need no extra system package.
import { parse } from '@bytecodealliance/jco';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const [srcDir, outDir] = process.argv.slice(2);
for (const file of readdirSync(srcDir).filter((f) => f.endsWith('.wat'))) {
  const bytes = await parse(readFileSync(join(srcDir, file), 'utf8'));
  writeFileSync(join(outDir, basename(file, '.wat') + '.wasm'), bytes);
}
