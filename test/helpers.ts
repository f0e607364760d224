import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ReusableInstance, type CreateOptions, type RunOptions, type RunResult } from '../src/index.js';

export const FIXTURES = ['hello', 'entropy', 'echo', 'cat', 'counter', 'grow', 'files', 'exit', 'faults', 'secret', 'state', 'recurse', 'touch', 'ruby', 'sieve', 'cgi', 'run-err', 'init-world', 'js-wordfreq', 'hello-component'] as const;
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

/** mulberry32: a 32-bit PRNG in integer arithmetic (Math.imul, >>>), so every residue is reachable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** `runs` input indices in a shuffled order: each index appears at least `minEach` times. */
export function shuffledOrder(inputs: number, runs: number, seed = 7, minEach = Math.min(3, Math.floor(runs / inputs))): number[] {
  const order: number[] = [];
  for (let i = 0; i < inputs; i++) for (let k = 0; k < minEach; k++) order.push(i);
  const next = prng(seed);
  while (order.length < runs) order.push(next() % inputs);
  for (let i = order.length - 1; i > 0; i--) {
    const j = next() % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/**
 * A file tree as path -> contents (latin1: byte for byte): compared as
 * strings, big trees (megabytes of data files) compare in one step each.
 */
export function flatFiles(tree: Record<string, unknown>, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  for (const [name, v] of Object.entries(tree)) {
    const path = `${prefix}/${name}`;
    if (v instanceof Uint8Array) out[path] = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('latin1');
    else if (typeof v === 'string') out[path] = v;
    else flatFiles(v as Record<string, unknown>, path, (out[`${path}/`] = '', out));
  }
  return out;
}

/** A fresh instance per input (strategy reinstantiate): the oracle. */
export async function freshResults(path: string, options: CreateOptions, inputs: RunOptions[]) {
  const out = [];
  for (const input of inputs) {
    const inst = await ReusableInstance.create(path, { ...options, strategy: 'reinstantiate' });
    const r = await inst.run(input);
    out.push({ result: observed(r), files: inst.files() });
  }
  return out;
}

/**
 * Differential check: each input on a brand-new instance, then `runs` runs on
 * one reused instance with inputs in a shuffled order; every run must equal
 * the fresh result, files included, and every input must have run at least
 * three times on the reused instance. Returns the fresh results.
 */
export async function differential(path: string, options: CreateOptions, inputs: RunOptions[], runs = 100, oracle = freshResults) {
  const fresh = await oracle(path, options, inputs);
  const freshFiles = fresh.map((f) => flatFiles(f.files));
  const reused = await ReusableInstance.create(path, options);
  const order = shuffledOrder(inputs.length, runs);
  const ran = new Array<number>(inputs.length).fill(0);
  for (const [k, i] of order.entries()) {
    const r = await reused.run(inputs[i]);
    expect(observed(r), `run ${k} (input ${i})`).toEqual(fresh[i]!.result);
    expect(flatFiles(reused.files()), `files after run ${k} (input ${i})`).toEqual(freshFiles[i]);
    ran[i]!++;
  }
  expect(Math.min(...ran), `runs per input: ${ran.join(' ')}`).toBeGreaterThanOrEqual(Math.min(3, Math.floor(runs / inputs.length)));
  return fresh;
}

/**
 * The oracle for post-init snapshots: per input, a fresh instance of the same
 * program with the same options, whose init (and afterRestore) runs, then the
 * input's run: Wizer's pre-initialised program, instantiated afresh.
 */
export async function freshInitialised(path: string, options: CreateOptions, inputs: RunOptions[]) {
  const out = [];
  for (const input of inputs) {
    const inst = await ReusableInstance.create(path, options);
    const r = await inst.run(input);
    out.push({ result: observed(r), files: inst.files() });
  }
  return out;
}

/**
 * Runs the inputs in turn `runs` times on one instance and checks that the
 * figures of stats() stay flat: the same after the last run as after the
 * first round (memory pages, real memory bytes, glue entries).
 */
export async function expectFlatStats(path: string, options: CreateOptions, inputs: RunOptions[], atLeast = 200) {
  // Whole rounds: the first and the last sample follow the same input.
  const runs = Math.ceil(atLeast / inputs.length) * inputs.length;
  const inst = await ReusableInstance.create(path, options);
  let first: ReturnType<ReusableInstance['stats']> | undefined;
  for (let k = 0; k < runs; k++) {
    const r = await inst.run(inputs[k % inputs.length]);
    expect(r.trap, `run ${k}`).toBeUndefined();
    if (k === inputs.length - 1) first = inst.stats();
  }
  const last = inst.stats();
  expect(last.runs).toBe(runs);
  expect({ ...last, runs: 0 }, `stats after ${runs} runs vs after ${inputs.length}`).toEqual({ ...first!, runs: 0 });
}

/** The lines every wasip1 WAT test module starts with: the fd_write import and an exported one-page memory. */
export const WASIP1_PROLOGUE = `(import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)`;

/** Assembles a WAT module (jco's wasm-tools parser) into a file of a new temporary directory; returns its path. */
export async function assembled(name: string, wat: string): Promise<string> {
  const { parse } = await import('@bytecodealliance/jco');
  const file = join(mkdtempSync(join(tmpdir(), 'rewind-wat-')), `${name}.wasm`);
  writeFileSync(file, await parse(wat));
  return file;
}
