// Lean glue (src/glue/lean.ts, lean-export.ts, lean-copy.ts) on real components: jco's
// glue as it is and the same glue patched as the snapshot strategy runs it
// (lean imports and exports), each instantiating jco's unmodified core
// modules against our WASI host, must produce the same runs byte for byte
// (output, exit code, trap), while the lean one creates no task and no
// subtask (the task machinery a sync call went through).
// Then the snapshot strategy (lean, patched glue on rewritten modules) is
// compared with fresh instances of jco's plain glue over repeated runs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WasiHost } from '../shims/host.js';
import { importFromBytes } from '../src/cache/entry.js';
import { leanGlue } from '../src/glue/lean.js';
import { patchGlue } from '../src/glue/patch.js';
import { createOptionsSchema, validate } from '../src/options.js';
import { CACHE_FORMAT, cacheDir, prepareComponent, type ComponentPrepared, type Instantiate } from '../src/prepare.js';
import { outcomeOf } from '../src/run-outcome.js';
import { ReusableInstance } from '../src/index.js';
import { fixture, observed } from './helpers.js';

interface Case { name: string; file: string; runs: { args?: string[]; stdin?: string }[] }

const CASES: Case[] = [
  { name: 'adapter hello', file: fixture('hello'), runs: [{}] },
  { name: 'stdio (adapter)', file: join(import.meta.dirname, 'fixtures', 'build', 'stdio.wasm'), runs: [
    { args: ['close-stdout'] }, { args: ['close-stdin'], stdin: 'input bytes' }, { args: ['random', '16'] }, { args: [] },
  ] },
  { name: 'handles.wasm (WAT component)', file: join(import.meta.dirname, 'fixtures', 'build', 'handles.wasm'), runs: [{}] },
  { name: 'js-wordfreq (componentize-js)', file: fixture('js-wordfreq'), runs: [{ stdin: 'the cat and the hat and the bat' }, { stdin: '' }] },
  { name: 'faults (adapter): traps through the export', file: join(import.meta.dirname, 'fixtures', 'build', 'faults.wasm'), runs: [
    { args: ['unreachable'] }, { args: ['oob'] }, { args: ['div0'] }, { args: ['none'] },
  ] },
  { name: 'exit (adapter): exit codes through the export', file: join(import.meta.dirname, 'fixtures', 'build', 'exit.wasm'), runs: [{ args: ['0'] }, { args: ['1'] }] },
];

/** jco's glue for a prepared component, as jco wrote it (the cache entry's plain variant). */
function jcoGlue(prepared: ComponentPrepared): string {
  const entry = readdirSync(cacheDir()).find((n) => n.startsWith(`${prepared.hash}-v${CACHE_FORMAT}-`));
  if (!entry) throw new Error(`no cache entry for ${prepared.hash}`);
  return readFileSync(join(cacheDir(), entry, 'plain', 'component.mjs'), 'utf8');
}

const COUNTER = '__rewindTestTasks';
/** The glue with a counter of created tasks and subtasks (a sync call through the task machinery creates both). */
function counted(source: string): string {
  const bump = `globalThis.${COUNTER} = (globalThis.${COUNTER} ?? 0) + 1;`;
  const out = source.replace('createSubtask(args) {', `createSubtask(args) { ${bump}`).replace('function createNewCurrentTask(args) {', `function createNewCurrentTask(args) { ${bump}`);
  expect(out.split(bump).length).toBe(3);
  return out;
}

const options = validate(createOptionsSchema, { random: { seed: 7 } }, 'options');

/** One run on a fresh instance of `instantiate` over jco's unmodified core modules; returns what it produced and the tasks it created. */
function runOnce(instantiate: Instantiate, prepared: ComponentPrepared, run: Case['runs'][number]) {
  const host = new WasiHost({ mounts: [], clock: options.clock, random: options.random, captureLimit: options.captureLimitBytes, keepFsChanges: false, fsLimits: options.fsLimits });
  host.beginRun({ args: ['prog', ...(run.args ?? [])], env: [], cwd: undefined, stdin: Buffer.from(run.stdin ?? '') });
  const g = globalThis as Record<string, unknown>;
  g[COUNTER] = 0;
  let error: unknown;
  try {
    const exports = instantiate((name) => prepared.plain.modules.get(name)!, host.imports, (m, i) => new WebAssembly.Instance(m, i as WebAssembly.Imports)) as Record<string, { run(): unknown }>;
    exports[prepared.runExport!]!.run(); // the fixtures here are commands
  } catch (e) {
    error = e;
  }
  const out = host.endRun();
  const outcome = outcomeOf(error);
  return {
    result: { exitCode: outcome.exitCode, stdout: Buffer.from(out.stdout).toString('latin1'), stderr: Buffer.from(out.stderr).toString('latin1'), trap: outcome.trap?.message },
    tasks: g[COUNTER] as number,
  };
}

describe('lean glue', () => {
  for (const c of CASES) {
    it(`${c.name}: same runs as jco's glue, without tasks`, async () => {
      const prepared = await prepareComponent(c.file);
      const source = jcoGlue(prepared);
      const lean = leanGlue(source);
      // Every host trampoline of these components is sync: all are made lean, with their lowerings.
      expect(lean.trampolines).toBe(source.match(/const hostProvided = true;/g)!.length);
      expect(lean.lowerings).toBe(lean.trampolines);
      // And so is every export wrapper (the snapshot strategy's glue: lean imports and exports).
      const patched = patchGlue(source);
      expect(patched.match(/const task = _rewindLeanExportTask;/g)?.length).toBe(source.match(/const hostProvided = false;/g)!.length);
      // And every byte-list copy (lean-copy.ts).
      expect(patched.match(/_rewindSliceBytes\(memory\d/g)?.length ?? 0).toBe(source.match(/new Uint8Array\(memory\d+\.buffer\.slice\(/g)?.length ?? 0);
      const plain = (await importFromBytes<{ instantiate: Instantiate }>(Buffer.from(counted(source)))).instantiate;
      const leaner = (await importFromBytes<{ instantiate: Instantiate }>(Buffer.from(counted(patched)))).instantiate;
      for (const run of c.runs) {
        const a = runOnce(plain, prepared, run);
        const b = runOnce(leaner, prepared, run);
        expect(b.result).toEqual(a.result);
        expect(a.tasks).toBeGreaterThan(1);
        expect(b.tasks).toBe(0);
      }
    });
  }

  it('keeps glue without the shapes it knows as it is', () => {
    const source = 'export function instantiate() { return {}; }\n';
    expect(leanGlue(source)).toEqual({ source, trampolines: 0, lowerings: 0 });
  });

  for (const c of CASES) {
    it(`${c.name}: a reused instance (lean glue) runs like fresh instances of jco's glue`, async () => {
      const opts = { preview1: 'adapter' as const, random: { seed: 7 } };
      const reused = await ReusableInstance.create(c.file, { ...opts, strategy: 'snapshot' });
      for (const run of [...c.runs, ...c.runs]) {
        const fresh = await ReusableInstance.create(c.file, { ...opts, strategy: 'reinstantiate' });
        expect(observed(reused.runSync(run))).toEqual(observed(fresh.runSync(run)));
      }
    });
  }
});
