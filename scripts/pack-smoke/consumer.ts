// A TypeScript user of the installed package: type-checked (not run) against
// the shipped declarations.
import { ReusableInstance, RewindError, type CreateOptions, type RunResult } from 'wasi-rewind';

const options: CreateOptions = { strategy: 'snapshot', env: { LANG: 'C' } };
const inst: ReusableInstance = await ReusableInstance.create('program.wasm', options);
const result: RunResult = await inst.run({ args: ['x'], stdin: 'input' });
const code: number | null = result.exitCode;
const out: string = result.stdout.toString();
try {
  await inst.run();
} catch (e) {
  if (e instanceof RewindError) console.log(e.code);
}
console.log(code, out);
// @ts-expect-error: strategy is a closed union (fails if the declarations degrade to any)
await ReusableInstance.create('program.wasm', { strategy: 'fresh-every-time' });
