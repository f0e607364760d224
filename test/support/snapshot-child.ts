// Loads a snapshot file in a fresh process and runs once; prints the result as JSON.
import { ReusableInstance } from '../../src/index.js';

const [file, snapshotFile, options, run] = process.argv.slice(2);
const inst = await ReusableInstance.create(file!, { ...JSON.parse(options!), snapshotFile });
const r = await inst.run(JSON.parse(run!));
process.stdout.write(JSON.stringify({ exitCode: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString(), initOutput: inst.initOutput }));
