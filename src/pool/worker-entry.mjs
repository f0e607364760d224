// Worker threads do not inherit a TypeScript loader: register tsx, then load
// the worker's module (it listens for requests itself).
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
