// Fuzzing the whole path (prepare, rewrite, instantiate, run, rewind) with
// mutated guests. Each mutant either is refused with a typed RewindError, or
// instantiates; then every input is run on fresh instances (the oracle) and
// at least twice, interleaved, on one reused instance, and each reused run
// must equal the fresh one byte for byte. Most mutants keep the module valid
// (data-segment bytes, i32.const immediates) so they get past validation and
// run changed code; blind byte changes exercise the error paths.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReusableInstance, RewindError, type RunOptions } from '../src/index.js';
import { fixture, observed, type Fixture } from './helpers.js';
import { mutate, prng, type MutationKind } from './support/wasm-mutate.js';

const SEED = 0x2545f491;
const MUTANTS = 30;
const KINDS: MutationKind[] = ['data', 'i32.const', 'bytes'];
const SOURCES: [Fixture, RunOptions[]][] = [
  ['hello', [{}]],
  ['echo', [{ args: ['a', 'bb'] }, { args: ['x'], env: { K: 'v=1' } }]],
  ['cat', [{ stdin: 'abc' }, { stdin: 'line\n'.repeat(300) }]],
  ['counter', [{}]],
  ['state', [{}]],
];
// Bounds what a mutant can take; the same on both sides.
const OPTIONS = { maxMemoryMiB: 64 };

let cache: string;
let savedCache: string | undefined;
beforeAll(() => {
  // Mutants must not fill the shared prepare cache.
  savedCache = process.env.WASI_REWIND_CACHE;
  process.env.WASI_REWIND_CACHE = cache = mkdtempSync(join(tmpdir(), 'rewind-fuzz-'));
});
afterAll(() => {
  if (savedCache === undefined) delete process.env.WASI_REWIND_CACHE;
  else process.env.WASI_REWIND_CACHE = savedCache;
  rmSync(cache, { recursive: true, force: true });
});

describe('fuzz: mutated guests on a reused instance vs fresh instances', () => {
  it(`${MUTANTS} mutants: typed errors, or every run equals a fresh instance's`, async () => {
    const rand = prng(SEED);
    const originals = new Map<Fixture, string[]>();
    for (const [name, inputs] of SOURCES) {
      const inst = await ReusableInstance.create(fixture(name), { ...OPTIONS, strategy: 'reinstantiate' });
      const outs: string[] = [];
      for (const input of inputs) outs.push(JSON.stringify(observed(await inst.run(input))));
      originals.set(name, outs);
    }
    const count = { typed: 0, instantiated: 0, changedBehaviour: 0, reusedRuns: 0 };
    const instantiatedByKind: Record<MutationKind, number> = { data: 0, 'i32.const': 0, bytes: 0 };
    const mismatches: string[] = [];
    for (let i = 0; i < MUTANTS; i++) {
      const kind = KINDS[i % KINDS.length]!;
      const [name, inputs] = SOURCES[rand(SOURCES.length)]!;
      const { bytes, what } = mutate(readFileSync(fixture(name)), kind, rand);
      const label = `mutant ${i} (${name}, ${what})`;
      let reused: ReusableInstance;
      try {
        reused = await ReusableInstance.create(bytes, OPTIONS);
      } catch (e) {
        if (!(e instanceof RewindError)) throw new Error(`${label} threw an untyped error: ${e}`, { cause: e });
        count.typed++;
        continue;
      }
      count.instantiated++;
      instantiatedByKind[kind]++;
      const fresh = [];
      for (const input of inputs) {
        const f = await ReusableInstance.create(bytes, { ...OPTIONS, strategy: 'reinstantiate' });
        fresh.push(observed(await f.run(input)));
      }
      if (fresh.some((r, k) => JSON.stringify(r) !== originals.get(name)![k])) count.changedBehaviour++;
      // Every input twice, interleaved, on the one reused instance.
      for (let r = 0; r < 2 * inputs.length; r++) {
        const k = r % inputs.length;
        const got = observed(await reused.run(inputs[k]));
        count.reusedRuns++;
        if (JSON.stringify(got) !== JSON.stringify(fresh[k])) mismatches.push(`${label}, run ${r + 1}: ${JSON.stringify(got).slice(0, 300)} vs fresh ${JSON.stringify(fresh[k]).slice(0, 300)}`);
      }
    }
    console.log('fuzz outcomes', count, instantiatedByKind);
    expect(mismatches).toEqual([]);
    expect(count.typed + count.instantiated).toBe(MUTANTS);
    // The mutations reach the runtime: every data-segment mutant is a valid
    // module, most i32.const mutants are, and enough of them change what the
    // program does (so the comparison with fresh instances is not vacuous).
    expect(instantiatedByKind.data).toBe(MUTANTS / KINDS.length);
    expect(instantiatedByKind['i32.const']).toBeGreaterThanOrEqual(MUTANTS / KINDS.length / 2);
    expect(count.changedBehaviour).toBeGreaterThanOrEqual(5);
    expect(count.reusedRuns).toBeGreaterThanOrEqual(2 * count.instantiated);
    // Blind byte changes mostly break the module: the typed-error path is exercised too.
    expect(count.typed).toBeGreaterThanOrEqual(3);
  });
});
