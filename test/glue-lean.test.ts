// Lean glue (src/glue/lean.ts) on real components: jco's glue as it is and
// the same glue made lean, each instantiating jco's unmodified core modules
// against our WASI host, must produce the same runs byte for byte, while the
// lean one creates no subtask (the task machinery a sync call went through).
// Then the snapshot strategy (lean, patched glue on rewritten modules) is
// compared with fresh instances of jco's plain glue over repeated runs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WasiHost } from '../shims/host.js';
import { importFromBytes } from '../src/cache/entry.js';
import { leanGlue } from '../src/glue/lean.js';
import { createOptionsSchema, validate } from '../src/options.js';
import { cacheDir, prepareComponent, type ComponentPrepared, type Instantiate } from '../src/prepare.js';
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
];

/** jco's glue for a prepared component, as jco wrote it (the cache entry's plain variant). */
function jcoGlue(prepared: ComponentPrepared): string {
  const entry = readdirSync(cacheDir()).find((n) => n.startsWith(`${prepared.hash}-v`));
  if (!entry) throw new Error(`no cache entry for ${prepared.hash}`);
  return readFileSync(join(cacheDir(), entry, 'plain', 'component.mjs'), 'utf8');
}

const COUNTER = '__rewindTestSubtasks';
/** The glue with a counter of created subtasks (each sync call through the task machinery creates one). */
function counted(source: string): string {
  const out = source.replace('createSubtask(args) {', `createSubtask(args) { globalThis.${COUNTER} = (globalThis.${COUNTER} ?? 0) + 1;`);
  expect(out).not.toBe(source);
  return out;
}

const options = validate(createOptionsSchema, { random: { seed: 7 } }, 'options');

/** One run on a fresh instance of `instantiate` over jco's unmodified core modules; returns what it produced and the subtasks it created. */
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
    subtasks: g[COUNTER] as number,
  };
}

describe('lean glue', () => {
  for (const c of CASES) {
    it(`${c.name}: same runs as jco's glue, without subtasks`, async () => {
      const prepared = await prepareComponent(c.file);
      const source = jcoGlue(prepared);
      const lean = leanGlue(source);
      // Every host trampoline of these components is sync: all are made lean, with their lowerings.
      expect(lean.trampolines).toBe(source.match(/const hostProvided = true;/g)!.length);
      expect(lean.lowerings).toBe(lean.trampolines);
      const plain = (await importFromBytes<{ instantiate: Instantiate }>(Buffer.from(counted(source)))).instantiate;
      const leaner = (await importFromBytes<{ instantiate: Instantiate }>(Buffer.from(counted(lean.source)))).instantiate;
      for (const run of c.runs) {
        const a = runOnce(plain, prepared, run);
        const b = runOnce(leaner, prepared, run);
        expect(b.result).toEqual(a.result);
        expect(a.subtasks).toBeGreaterThan(0);
        expect(b.subtasks).toBe(0);
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
