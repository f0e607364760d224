// Rewrites the core modules named on the command line on the rewrite worker
// (in a child process, so a test can see what rewriting writes to stderr).
import { readFileSync } from 'node:fs';
import { DEFAULT_MEMORY_MODE } from '../../src/rewrite/info.js';
import { rewriteAll } from '../../src/rewrite/in-worker.js';

await rewriteAll(process.argv.slice(2).map((f) => [f, new Uint8Array(readFileSync(f))]), DEFAULT_MEMORY_MODE);
