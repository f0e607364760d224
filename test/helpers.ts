import { join } from 'node:path';
import { expect } from 'vitest';
import { ReusableInstance, type CreateOptions, type RunOptions, type RunResult } from '../src/index.js';

export const FIXTURES = ['hello', 'entropy', 'echo', 'cat', 'counter', 'grow', 'files', 'exit', 'faults', 'secret', 'state', 'recurse', 'touch', 'ruby', 'sieve', 'cgi'] as const;
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

/**
 * Differential check: each input on a brand-new instance, then `runs` runs on
 * one reused instance with inputs in a shuffled order (deterministic LCG);
 * every run must equal the fresh result, files included. Returns the fresh results.
 */
export async function differential(path: string, options: CreateOptions, inputs: RunOptions[], runs = 100) {
  const fresh = [];
  for (const input of inputs) {
    const inst = await ReusableInstance.create(path, { ...options, strategy: 'reinstantiate' });
    const r = await inst.run(input);
    fresh.push({ result: observed(r), files: inst.files() });
  }
  const reused = await ReusableInstance.create(path, options);
  let seed = 7;
  for (let k = 0; k < runs; k++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const i = seed % inputs.length;
    const r = await reused.run(inputs[i]);
    expect(observed(r), `run ${k} (input ${i})`).toEqual(fresh[i]!.result);
    expect(reused.files(), `files after run ${k} (input ${i})`).toEqual(fresh[i]!.files);
  }
  return fresh;
}
