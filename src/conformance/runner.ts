// Runs one conformance case and returns the failures (empty: it passed).
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidOptionsError } from '../errors.js';
import { ReusableInstance, type RunResult } from '../instance.js';
import type { CreateOptions, RunOptions } from '../options.js';
import type { Tree } from '../../shims/vfs.js';
import { conformanceCaseSchema, type ConformanceCase } from './schema.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/build');

export async function loadCase(path: string): Promise<ConformanceCase> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new InvalidOptionsError(`conformance case ${basename(path)}`, [`unreadable: ${(e as Error).message}`]);
  }
  const parsed = conformanceCaseSchema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidOptionsError(`conformance case ${basename(path)}`, parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  return parsed.data;
}

/** What a run shows: its result and the file system it leaves (file contents as base64). */
function view(r: RunResult, inst: ReusableInstance) {
  return { exitCode: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString(), trap: r.trap?.message ?? null, files: flatten(inst.files()) };
}
type View = ReturnType<typeof view>;

function flatten(tree: Tree, at = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(tree)) {
    const path = `${at}/${name}`;
    if (typeof value === 'string') out[path] = `symlink ${value}`;
    else if (value instanceof Uint8Array) out[path] = Buffer.from(value).toString('base64');
    else Object.assign(out, { [path]: 'dir' }, flatten(value, path));
  }
  return out;
}

/** Names what differs between two views (files by path). */
function difference(got: View, want: View): string {
  const parts: string[] = [];
  for (const key of ['exitCode', 'stdout', 'stderr', 'trap'] as const) {
    if (got[key] !== want[key]) parts.push(`${key} ${JSON.stringify(got[key])} vs ${JSON.stringify(want[key])}`);
  }
  const paths = [...new Set([...Object.keys(got.files), ...Object.keys(want.files)])].sort();
  const files = paths.filter((p) => got.files[p] !== want.files[p]);
  if (files.length) parts.push(`files ${files.join(', ')}`);
  return parts.join('; ');
}

export async function runCase(c: ConformanceCase): Promise<string[]> {
  const program = 'fixture' in c.program ? join(fixtures, `${c.program.fixture}.wasm`) : c.program.path;
  const options = c.options as CreateOptions;
  const inst = await ReusableInstance.create(program, options);
  const failures: string[] = [];
  for (const [i, step] of c.runs.entries()) {
    const input = step.input as RunOptions;
    const e = step.expect;
    let fresh: View | undefined;
    if (e.equalsFresh) {
      const reference = await ReusableInstance.create(program, { ...options, strategy: 'reinstantiate' });
      fresh = view(await reference.run(input), reference);
    }
    let first: View | undefined;
    for (let k = 0; k < step.repeat; k++) {
      const got = view(await inst.run(input), inst);
      const at = `run ${i + 1}${step.repeat > 1 ? ` (repeat ${k + 1})` : ''}`;
      const fail = (what: string) => failures.push(`${at}: ${what}`);
      if (e.exitCode !== undefined && got.exitCode !== e.exitCode) fail(`exit code ${got.exitCode}, expected ${e.exitCode}`);
      if (e.stdout !== undefined && got.stdout !== e.stdout) fail(`stdout ${JSON.stringify(got.stdout)}, expected ${JSON.stringify(e.stdout)}`);
      if (e.stdoutMatches && !new RegExp(e.stdoutMatches).test(got.stdout)) fail(`stdout ${JSON.stringify(got.stdout)} does not match /${e.stdoutMatches}/`);
      if (e.stderrMatches && !new RegExp(e.stderrMatches).test(got.stderr)) fail(`stderr ${JSON.stringify(got.stderr)} does not match /${e.stderrMatches}/`);
      if (e.trapMatches && !new RegExp(e.trapMatches).test(got.trap ?? '')) fail(`trap ${JSON.stringify(got.trap)} does not match /${e.trapMatches}/`);
      const fromFresh = fresh && difference(got, fresh);
      if (fromFresh) fail(`differs from a fresh instance: ${fromFresh}`);
      const fromFirst = e.sameEveryRun && first && difference(got, first);
      if (fromFirst) fail(`differs from the first repetition: ${fromFirst}`);
      first ??= got;
    }
  }
  return failures;
}
