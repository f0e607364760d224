// Worker threads do not inherit a TypeScript loader. Built (dist/), the
// worker module is JavaScript; from sources, register tsx first and load the
// .ts file. The module listens for requests itself.
import { existsSync } from 'node:fs';

const built = new URL('./worker.js', import.meta.url);
if (!existsSync(built)) (await import('tsx/esm/api')).register();
await import(existsSync(built) ? built.href : './worker.ts');
