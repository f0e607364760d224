// The official WASI test suite (test/wasi-testsuite, wasm32-wasip1: C, Rust,
// AssemblyScript), run the suite's way (exit code and stdout per each test's
// .json spec) on a fresh instance, then 5 times on one reused instance, every
// reused run compared byte for byte with the fresh run (exit code, stdout,
// stderr, trap, files). The preview1 path is a parameter: each path has ONE
// table of expected failures with the reason; a listed test that passes fails
// the run too, so the table stays true.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ReusableInstance, type CreateOptions } from '../src/index.js';
import { observed } from './helpers.js';
import { AUTO, switching } from './support/switching.js';

const SUITE = join(import.meta.dirname, 'wasi-testsuite');
const REUSED_RUNS = 5;

/**
 * How a wasip1 module is run: natively (the default), natively with the
 * comparing restore (memoryTracking 'scan'), that with the engine's bounds
 * checks (boundsChecks 'real'), switching between marks and the last at
 * every rewind (memoryTracking 'auto' on a fixed pattern, support/switching.ts),
 * or through jco's preview1 command adapter.
 */
type Preview1Path = 'native' | 'native, memory scan' | 'native, scan + real bounds' | 'native, auto (switching)' | 'adapter';
const PATHS: Record<Preview1Path, CreateOptions> = {
  native: { preview1: 'native' },
  'native, memory scan': { preview1: 'native', memoryTracking: 'scan' },
  'native, scan + real bounds': { preview1: 'native', memoryTracking: 'scan', boundsChecks: 'real' },
  'native, auto (switching)': { preview1: 'native', ...AUTO },
  adapter: { preview1: 'adapter' },
};

/**
 * Tests expected to fail on a path, with the reason; everything else must
 * pass. `reusedDiffers`: a reused run is also known to differ from the fresh
 * run (asserted too, so the entry goes when it is fixed).
 */
interface Expected { reason: string; reusedDiffers?: string }
const EXPECTED_FAILURES: Record<Preview1Path, Record<string, Expected>> = {
  native: {},
  'native, memory scan': {},
  'native, scan + real bounds': {},
  'native, auto (switching)': {},
  adapter: {
    'assemblyscript/proc_exit-failure': { reason: 'the adapter imports only the result-typed exit: exit(33) becomes 1' },
    'assemblyscript/args_get-multiple-arguments': {
      reason: "AssemblyScript's heap ignores __heap_end and overwrites the adapter's state page (the adapter traps)",
    },
    'assemblyscript/environ_get-multiple-variables': {
      reason: "AssemblyScript's heap ignores __heap_end and overwrites the adapter's state page (the adapter traps)",
    },
    'assemblyscript/fd_write-to-invalid-fd': { reason: 'the adapter answers fd_write on an unknown fd with another errno than EBADF' },
  },
};

interface Spec { args?: string[]; dirs?: string[]; env?: Record<string, string>; exit_code?: number; stdout?: string }

interface Case { id: string; wasm: string; spec: Spec }

function cases(): Case[] {
  const out: Case[] = [];
  for (const lang of readdirSync(SUITE).filter((d) => existsSync(join(SUITE, d, 'wasm32-wasip1'))).sort()) {
    const dir = join(SUITE, lang, 'wasm32-wasip1');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.wasm')).sort()) {
      const name = basename(file, '.wasm');
      const json = join(dir, `${name}.json`);
      out.push({ id: `${lang}/${name}`, wasm: join(dir, file), spec: existsSync(json) ? JSON.parse(readFileSync(json, 'utf8')) as Spec : {} });
    }
  }
  return out;
}

const scratch = mkdtempSync(join(tmpdir(), 'wasi-testsuite-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * Create options for one test: each spec dir is copied to a scratch dir and
 * preopened as `/<name>` (guest paths are absolute); an argument naming a dir
 * names the preopen. Clock and random are deterministic so that every test,
 * time- and random-dependent ones included, is comparable byte for byte.
 */
function optionsFor(c: Case, path: Preview1Path): { create: CreateOptions; args: string[] } {
  const dirs: Record<string, string> = {};
  const work = mkdtempSync(join(scratch, 't-'));
  for (const d of c.spec.dirs ?? []) {
    const copy = join(work, d);
    cpSync(join(c.wasm, '..', d), copy, { recursive: true });
    dirs[`/${d}`] = copy;
  }
  const args = (c.spec.args ?? []).map((a) => ((c.spec.dirs ?? []).includes(a) ? `/${a}` : a));
  return {
    create: { ...PATHS[path], dirs, env: c.spec.env ?? {}, programName: basename(c.wasm), clock: { virtual: {} }, random: { seed: 1 } },
    args,
  };
}

/** Problems with a result, judged the suite's way (empty: passed). */
function judge(c: Case, r: ReturnType<typeof observed>): string[] {
  const problems: string[] = [];
  const exit = c.spec.exit_code ?? 0;
  if (r.exitCode !== exit) problems.push(`exit code ${r.exitCode}${r.trap ? ` (trap: ${r.trap})` : ''}, expected ${exit}`);
  // As the suite's runner: stdout is checked only where the spec gives it.
  const stdout = c.spec.stdout;
  if (stdout !== undefined && r.stdout !== stdout) problems.push(`stdout ${JSON.stringify(r.stdout.slice(0, 300))}, expected ${JSON.stringify(stdout)}`);
  return problems;
}

for (const path of Object.keys(PATHS) as Preview1Path[]) {
  describe(`WASI test suite, preview1 path "${path}"`, () => {
    const all = cases();
    const expected = EXPECTED_FAILURES[path];

    it('the expectations table names real tests', () => {
      expect(Object.keys(expected).filter((id) => !all.some((c) => c.id === id))).toEqual([]);
    });

    for (const c of all) {
      it(c.id, async () => {
        const { create, args } = optionsFor(c, path);
        const freshInst = await ReusableInstance.create(c.wasm, { ...create, strategy: 'reinstantiate' });
        const fresh = observed(await freshInst.run({ args }));
        const freshFiles = freshInst.files();
        const problems = judge(c, fresh);
        const known = expected[c.id];
        if (known) expect(problems, `${c.id} is listed as an expected failure (${known.reason}) but passes: update the table`).not.toEqual([]);
        else expect(problems, `stderr: ${fresh.stderr.slice(0, 2000)}`).toEqual([]);

        const reused = await switching(() => ReusableInstance.create(c.wasm, { ...create, verifyRestore: true }));
        const differences: string[] = [];
        for (let k = 0; k < REUSED_RUNS; k++) {
          const r = observed(await reused.run({ args }));
          if (known?.reusedDiffers) {
            if (JSON.stringify(r) !== JSON.stringify(fresh)) differences.push(`run ${k}`);
            continue;
          }
          expect(r, `reused run ${k}`).toEqual(fresh);
          expect(reused.files(), `files after reused run ${k}`).toEqual(freshFiles);
        }
        if (known?.reusedDiffers) expect(differences, `${c.id}: reused runs now equal the fresh run (${known.reusedDiffers}): update the table`).not.toEqual([]);
      });
    }
  });
}
