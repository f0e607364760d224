// Builds the JavaScript fixtures (test/fixtures/js/*.js) into WASI 0.2
// components with componentize-js (SpiderMonkey + Wizer): genuine
// `jco componentize` output. The world is test/fixtures/js/run.wit (a
// command exporting wasi:cli/run), or a sibling <name>.wit of <name>.js
// declaring a world of its own (custom exports); WASI deps are jco's bundled
// 0.2.12 WIT.
// HTTP features are left out: wasi-rewind's host has no wasi:http.
// Usage: node scripts/real-programs-build.mjs <out dir>
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { componentize } from '@bytecodealliance/componentize-js';
import { _setPreopens } from '@bytecodealliance/preview2-shim/filesystem';

const [outDir] = process.argv.slice(2);
const src = join(import.meta.dirname, '..', 'test', 'fixtures', 'js');
// jco's entry point is src/jco.js: its package root is two levels up.
const wasiWit = join(dirname(fileURLToPath(import.meta.resolve('@bytecodealliance/jco'))), '..', 'lib', 'wit', 'builtin', '0.2.12');

const stale = (out, inputs) => !existsSync(out) || inputs.some((i) => statSync(i).mtimeMs > statSync(out).mtimeMs);
const todo = readdirSync(src).filter((f) => f.endsWith('.js')).map((file) => {
  const source = join(src, file);
  const own = join(src, `${basename(file, '.js')}.wit`);
  const world = existsSync(own) ? own : join(src, 'run.wit');
  const worldName = /^\s*world\s+([a-z][a-z0-9-]*)\s*\{/m.exec(readFileSync(world, 'utf8'))?.[1];
  if (!worldName) throw new Error(`${world} declares no world`);
  return { source, world, worldName, out: join(outDir, `js-${basename(file, '.js')}.wasm`) };
}).filter(({ source, world, out }) => stale(out, [source, world, import.meta.filename]));
if (todo.length) {
  // componentize-js reads the WIT inside its (wasm) splicer through
  // preview2-shim, whose Node host has no preopens by default since 0.26.
  // The splicer keeps the preopens it saw first, so one directory serves
  // every fixture: its world.wit is rewritten for each.
  const witDir = mkdtempSync(join(tmpdir(), 'rewind-wit-'));
  _setPreopens({ [witDir]: witDir });
  try {
    mkdirSync(join(witDir, 'deps'));
    for (const pkg of readdirSync(wasiWit)) cpSync(join(wasiWit, pkg), join(witDir, 'deps', pkg), { recursive: true });
    for (const { source, world, worldName, out } of todo) {
      copyFileSync(world, join(witDir, 'world.wit'));
      const { component } = await componentize({ sourcePath: source, witPath: witDir, worldName, disableFeatures: ['http', 'fetch-event'] });
      writeFileSync(out, component);
    }
  } finally {
    rmSync(witDir, { recursive: true, force: true });
  }
}
