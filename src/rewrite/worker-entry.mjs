// Worker thread that rewrites core modules. binaryen is imported natively
// before the TypeScript loader is registered: through the loader, its 12 MB
// entry module takes seconds to load, natively well under one. Rewriting in
// a worker also keeps a large module (CRuby: seconds) off the caller's thread.
// Built (dist/), the modules are JavaScript and need no loader.
import { existsSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

await import('binaryen');
const ext = existsSync(new URL('./instrument.js', import.meta.url)) ? 'js' : 'ts';
if (ext === 'ts') (await import('tsx/esm/api')).register();
const { rewriteModule } = await import(`./instrument.${ext}`);
const { RewindError } = await import(`../errors.${ext}`);

parentPort.on('message', ({ name, bytes, mode }) => {
  try {
    const result = rewriteModule(bytes, mode);
    parentPort.postMessage({ name, result }, [result.bytes.buffer]);
  } catch (e) {
    const typed = e instanceof RewindError;
    parentPort.postMessage({ name, error: { code: typed ? e.code : 'INVALID_WASM', message: String(e?.message ?? e).slice(0, 500) } });
  }
});
