// Builds the wasi:http fixtures (test/fixtures/js-http/*.js) into WASI 0.2
// proxy-world components with componentize-js (SpiderMonkey + Wizer), using
// StarlingMonkey's fetch-event handler (the http features stay enabled).
// Usage: node scripts/build-http-components.mjs <out dir>
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { componentize } from '@bytecodealliance/componentize-js';
import { _setPreopens } from '@bytecodealliance/preview2-shim/filesystem';

const [outDir = join(import.meta.dirname, '..', 'test', 'fixtures', 'build')] = process.argv.slice(2);
const src = join(import.meta.dirname, '..', 'test', 'fixtures', 'js-http');
// StarlingMonkey (componentize-js 0.22) exports wasi:http/incoming-handler@0.2.10.
// jco bundles WASI 0.2.10 WIT for io, clocks and sockets only; the other
// packages are its 0.2.12 WIT relabelled 0.2.10 (0.2.x releases only add),
// without their worlds (they include worlds the 0.2.10 packages lack).
const builtin = join(dirname(fileURLToPath(import.meta.resolve('@bytecodealliance/jco'))), '..', 'lib', 'wit', 'builtin');
const VERSION = '0.2.10';
const world = join(src, 'proxy.wit');

const stale = (out, inputs) => !existsSync(out) || inputs.some((i) => statSync(i).mtimeMs > statSync(out).mtimeMs);
const todo = readdirSync(src).filter((f) => f.endsWith('.js'))
  .map((file) => ({ source: join(src, file), out: join(outDir, `http-${basename(file, '.js')}.wasm`) }))
  .filter(({ source, out }) => stale(out, [source, world, import.meta.filename]));
if (todo.length) {
  mkdirSync(outDir, { recursive: true });
  // componentize-js reads the WIT through preview2-shim, which has no preopens
  // by default; its splicer keeps the first preopens, so one directory serves all.
  const witDir = mkdtempSync(join(tmpdir(), 'rewind-wit-http-'));
  _setPreopens({ [witDir]: witDir });
  try {
    copyFileSync(world, join(witDir, 'world.wit'));
    mkdirSync(join(witDir, 'deps'));
    for (const pkg of readdirSync(join(builtin, '0.2.12'))) {
      const from = existsSync(join(builtin, VERSION, pkg)) ? join(builtin, VERSION, pkg) : join(builtin, '0.2.12', pkg);
      mkdirSync(join(witDir, 'deps', pkg));
      for (const f of readdirSync(from)) {
        const wit = readFileSync(join(from, f), 'utf8').replaceAll('@0.2.12', `@${VERSION}`);
        writeFileSync(join(witDir, 'deps', pkg, f), wit.replace(/^world [\w-]+ \{[^}]*\}/gm, ''));
      }
    }
    for (const { source, out } of todo) {
      const { component } = await componentize({ sourcePath: source, witPath: witDir, worldName: 'proxy' });
      writeFileSync(out, component);
    }
  } finally {
    rmSync(witDir, { recursive: true, force: true });
  }
}
