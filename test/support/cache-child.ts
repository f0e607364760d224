// Runs a program once in a fresh process (so nothing is memoised) and
// prints its stdout and the process warnings as JSON. A wasip1 module goes
// through the adapter: the cache entry then holds glue JS, what a planted
// file would try to get run.
import { ReusableInstance } from '../../src/index.js';

const warnings: string[] = [];
process.on('warning', (w) => warnings.push(`${(w as { code?: string }).code}: ${w.message}`));
const inst = await ReusableInstance.create(process.argv[2]!, { preview1: 'adapter' });
const r = await inst.run();
await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
process.stdout.write(JSON.stringify({ stdout: r.stdout.toString(), warnings }));
