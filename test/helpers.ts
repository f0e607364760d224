import { join } from 'node:path';
import { ReusableInstance, type CreateOptions, type RunOptions, type RunResult } from '../src/index.js';

export const FIXTURES = ['hello', 'entropy', 'echo', 'cat', 'counter', 'grow', 'files', 'exit', 'faults', 'secret', 'state', 'recurse', 'touch', 'ruby', 'sieve'] as const;
export type Fixture = (typeof FIXTURES)[number];

export function fixture(name: Fixture): string {
  return join(import.meta.dirname, 'fixtures', 'build', `${name}.wasm`);
}

/** What a run produced, in a form `toEqual` compares byte for byte. */
export function observed(r: RunResult) {
  return { exitCode: r.exitCode, stdout: r.stdout.toString('latin1'), stderr: r.stderr.toString('latin1'), trap: r.trap?.message };
}

/** The reference: the same input on a brand-new instance (plain jco output, no rewriting). */
export async function fresh(name: Fixture, options: CreateOptions, run: RunOptions) {
  const inst = await ReusableInstance.create(fixture(name), { ...options, strategy: 'reinstantiate' });
  const r = await inst.run(run);
  return { result: observed(r), files: inst.files() };
}
