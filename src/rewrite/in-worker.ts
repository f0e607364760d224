// Runs rewriteModule (instrument.ts) on a worker thread; see worker-entry.mjs.
import { Worker } from 'node:worker_threads';
import { reviveError, type RewindErrorCode } from '../errors.js';
import type { MemoryMode } from './info.js';
import type { RewriteResult } from './instrument.js';

type Reply = { name: string; result?: RewriteResult; error?: { code: RewindErrorCode; message: string } };

/** Rewrites the named core modules, in order, on one short-lived worker. */
export async function rewriteAll(modules: [name: string, bytes: Uint8Array][], mode: MemoryMode): Promise<Map<string, RewriteResult>> {
  // binaryen's diagnostics (e.g. "warning: unknown name subsection") are not
  // the user's business: the worker's stderr is dropped unless WASI_REWIND_DEBUG is set.
  const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), { stderr: true });
  if (process.env.WASI_REWIND_DEBUG) worker.stderr.pipe(process.stderr);
  else worker.stderr.resume();
  try {
    const out = new Map<string, RewriteResult>();
    for (const [name, bytes] of modules) {
      const reply = await new Promise<Reply>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.postMessage({ name, bytes, mode });
      });
      worker.removeAllListeners('error');
      if (reply.error) throw reviveError({ ...reply.error, message: `cannot rewrite core module ${name}: ${reply.error.message}` });
      out.set(name, reply.result!);
    }
    return out;
  } finally {
    await worker.terminate();
  }
}
