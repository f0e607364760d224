// Worker threads do not inherit a TypeScript loader. Built (dist/), the
// worker module is JavaScript; from sources, register tsx first and load the
// .ts file. Piscina calls the default export.
import { existsSync } from 'node:fs';

const built = new URL('./worker.js', import.meta.url);
if (!existsSync(built)) (await import('tsx/esm/api')).register();
const { default: run } = await import(existsSync(built) ? built.href : './worker.ts');
export default run;
