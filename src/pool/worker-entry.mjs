// Worker threads do not inherit a TypeScript loader: register tsx, then load
// the worker's module. Piscina calls the default export.
import { register } from 'tsx/esm/api';

register();
const { default: run } = await import('./worker.ts');
export default run;
