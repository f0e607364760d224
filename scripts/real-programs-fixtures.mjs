// Prepares the inputs of the real-program corpus that are built, not shipped:
//  - pandoc.wasm: wasm-pandoc's Pandoc made a WASI command
//    (scripts/real-programs-pandoc.mjs; ~1-3 min and about 1 GB of memory
//    in binaryen, so only when missing or older than its inputs);
//  - blinky.json: the iCE40 netlist nextpnr-ice40 places and routes,
//    synthesised from test/fixtures/programs/ice40/blinky.v by Yosys
//    (@yowasp/yosys's own runtime, not wasi-rewind: a build step).
// Usage: node scripts/real-programs-fixtures.mjs <out dir>
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runYosys } from '@yowasp/yosys';

const out = process.argv[2];
if (!out) throw new Error('usage: real-programs-fixtures.mjs <out dir>');
const here = import.meta.dirname;
const newer = (target, ...sources) => existsSync(target) && sources.every((s) => statSync(target).mtimeMs >= statSync(s).mtimeMs);

// The package exports only its JS entry (src/index.node.js), next to the binary.
const pandocSrc = fileURLToPath(new URL('pandoc.wasm', import.meta.resolve('wasm-pandoc')));
const pandocScript = join(here, 'real-programs-pandoc.mjs');
if (!newer(join(out, 'pandoc.wasm'), pandocSrc, pandocScript)) {
  execFileSync(process.execPath, [pandocScript, pandocSrc, join(out, 'pandoc.wasm')], { stdio: 'inherit' });
}

const blinky = join(here, '..', 'test', 'fixtures', 'programs', 'ice40', 'blinky.v');
if (!newer(join(out, 'blinky.json'), blinky)) {
  const files = await runYosys(['-q', '-p', 'read_verilog blinky.v; synth_ice40 -top top -json blinky.json'], { 'blinky.v': readFileSync(blinky, 'utf8') });
  writeFileSync(join(out, 'blinky.json'), files['blinky.json']);
}
