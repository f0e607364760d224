// Driving test/fixtures/wat/hostile-ops.wat (a program of memory and table
// operations on stdin) and comparing a reused instance with fresh ones.
import { join } from 'node:path';
import { expect } from 'vitest';
import { ReusableInstance, type CreateOptions, type RunOptions, type RunResult } from '../../src/index.js';
import { AUTO, switching } from './switching.js';

export const build = (name: string) => join(import.meta.dirname, '..', 'fixtures', 'build', `${name}.wasm`);
export const OPS = build('hostile-ops');

/** One operation of hostile-ops.wat: op, a, b, c (13 bytes). */
export function op(code: number, a = 0, b = 0, c = 0): Buffer {
  const x = Buffer.alloc(13);
  x[0] = code;
  x.writeUInt32LE(a >>> 0, 1);
  x.writeUInt32LE(b >>> 0, 5);
  x.writeUInt32LE(c >>> 0, 9);
  return x;
}

export const program = (...ops: Buffer[]): RunOptions => ({ stdin: Buffer.concat(ops) });

export function observed(r: RunResult) {
  return { exitCode: r.exitCode, stdout: r.stdout.toString('hex'), stderr: r.stderr.toString('latin1'), trap: r.trap && { kind: r.trap.kind, message: r.trap.message } };
}

/** The memory size in bytes at the start of a run of hostile-ops (fresh instance). */
export async function startBytes(): Promise<number> {
  const inst = await ReusableInstance.create(OPS, { strategy: 'reinstantiate' });
  return (await inst.run(program(op(0x32)))).stdout.readUInt32LE(0) * 65536;
}

/**
 * The exact memory modes: writes marked (the default); unmarked with a
 * scanning restore; and that with the engine's bounds checks, the memory
 * kept at the guest's size by a fresh instance after a run that grew it;
 * 'auto', switching between marks and the last at every kind of transition
 * (support/switching.ts).
 */
export const EXACT_MODES: CreateOptions[] = [{}, { memoryTracking: 'scan' }, { memoryTracking: 'scan', boundsChecks: 'real' }, AUTO];

/**
 * Runs the sequence on fresh instances (strategy `reinstantiate`) and, for
 * each of `modes`, on one reused instance (with verifyRestore); every run
 * must match. Returns the fresh results.
 */
export async function sameAsFresh(file: string, runs: RunOptions[], modes: CreateOptions[] = EXACT_MODES) {
  const fresh = await ReusableInstance.create(file, { strategy: 'reinstantiate' });
  const results = [];
  for (const run of runs) results.push(observed(await fresh.run(run)));
  for (const options of modes) {
    const reused = await switching(() => ReusableInstance.create(file, { ...options, verifyRestore: true }));
    for (const [i, run] of runs.entries()) {
      expect(observed(await reused.run(run)), `run ${i} (${JSON.stringify(options)})`).toEqual(results[i]);
    }
    reused.reset(); // verifies the restore after the last run too
  }
  return results;
}
