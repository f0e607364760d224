// The package as a user gets it: `npm pack` (prepack builds dist/), the
// tarball installed into an empty project, then used from plain Node with no
// TypeScript loader, type-checked from a TypeScript consumer, and run as
// `npx rewind`. Set WASI_REWIND_TARBALL to test an already packed tarball.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from './helpers.js';

const root = join(import.meta.dirname, '..');
const smoke = join(root, 'scripts', 'pack-smoke');
const tmp = mkdtempSync(join(tmpdir(), 'wasi-rewind-package-'));
const project = join(tmp, 'project');
const installed = join(project, 'node_modules', 'wasi-rewind');
// Children (npm, npx, the bin's `#!/usr/bin/env node`) use the Node running the tests.
const env = {
  ...process.env,
  PATH: [dirname(process.execPath), process.env.PATH].join(delimiter),
  // A fresh prepare cache: the installed package's rewrite worker must run.
  WASI_REWIND_CACHE: join(tmp, 'cache'),
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};

/** Runs a command to completion, stdin closed (`rewind run` reads it to EOF); rejects with its output if it fails. */
function sh(file: string, args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${file} ${args.join(' ')} exited with ${code ?? signal}:\n${stdout}\n${stderr}`.slice(-8000)));
    });
  });
}

async function pack(): Promise<string> {
  const { stdout } = await sh('npm', ['pack', '--json', '--pack-destination', tmp], root);
  const [info] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string }[];
  return join(tmp, info!.filename);
}

let tarball: string;
let program: string;

beforeAll(async () => {
  tarball = process.env.WASI_REWIND_TARBALL ?? (await pack());
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await sh('npm', ['install', '--prefer-offline', tarball], project);
  // The installed package must not need a TypeScript loader.
  rmSync(join(project, 'node_modules', 'tsx'), { recursive: true, force: true });
  program = join(project, 'counter.wasm');
  cpSync(fixture('counter'), program);
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the packed tarball', () => {
  it('holds the build, its declarations and every runtime file, and nothing else', async () => {
    const { stdout } = await sh('tar', ['-tzf', tarball], tmp);
    const files = stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
    expect(files.filter((f) => !/^(dist\/|package\.json$|README\.md$|LICENSE)/.test(f))).toEqual([]);
    expect(files.filter((f) => /\.[cm]?ts$/.test(f) && !/\.d\.[cm]?ts$/.test(f))).toEqual([]);
    // Every source file the build covers has its output, including the
    // JavaScript workers the runtime starts by path (worker-entry.mjs).
    const build = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as { include: string[]; exclude: string[] };
    const tree = build.include.flatMap((dir) =>
      readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
        .filter((d) => d.isFile())
        .map((d) => relative(root, join(d.parentPath, d.name)))
        .filter((f) => !build.exclude.some((x) => f.startsWith(`${x}/`))),
    );
    // tsc emits .ts and copies .js/.mjs (allowJs); any other file the runtime
    // reads (wasm, json, wit) would need a copy step in the build.
    expect(tree.filter((f) => !/\.(ts|mjs|js)$/.test(f))).toEqual([]);
    const sources = tree.filter((f) => !f.endsWith('.d.ts'));
    expect(sources).toContain('src/rewrite/worker-entry.mjs');
    expect(sources).toContain('src/pool/worker-entry.mjs');
    const missing = sources.map((f) => `dist/${f.replace(/\.ts$/, '.js')}`).filter((f) => !files.includes(f));
    expect(missing).toEqual([]);
  });

  it('points exports, types and bin at files it ships', () => {
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      exports: { '.': { types: string; default: string } };
      types: string;
      bin: Record<string, string>;
    };
    for (const target of [pkg.exports['.'].types, pkg.exports['.'].default, pkg.types, pkg.bin.rewind!]) {
      expect(existsSync(join(installed, target)), target).toBe(true);
    }
  });
});

describe('the installed package', () => {
  it('runs a reused instance from plain Node, as fresh instances and a pool do', async () => {
    cpSync(join(smoke, 'consumer.mjs'), join(project, 'consumer.mjs'));
    const { stdout } = await sh(process.execPath, ['consumer.mjs', program, '3'], project);
    const out = JSON.parse(stdout) as { node: string; tsx: string; reused: unknown[]; fresh: unknown[]; pooled: unknown[] };
    expect(out.node).toBe(process.version);
    expect(out.tsx).toBe('absent');
    expect(out.fresh).toHaveLength(3);
    expect(out.fresh[0]).toMatchObject({ exitCode: 0, trap: null });
    expect(out.reused).toEqual(out.fresh);
    expect(out.pooled).toEqual(out.fresh);
  });

  it('type-checks a TypeScript consumer against the shipped declarations', async () => {
    for (const f of ['consumer.ts', 'tsconfig.json']) cpSync(join(smoke, f), join(project, f));
    mkdirSync(join(project, 'node_modules', '@types'), { recursive: true });
    symlinkSync(join(root, 'node_modules', '@types', 'node'), join(project, 'node_modules', '@types', 'node'), 'dir');
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    await sh(process.execPath, [tsc, '-p', 'tsconfig.json'], project);
  });

  it('`npx rewind run` reuses one instance and prints what fresh instances print', async () => {
    const rewind = (strategy: string) => sh('npx', ['--no-install', 'rewind', 'run', program, '--times', '3', '--strategy', strategy], project);
    const reused = await rewind('snapshot');
    const fresh = await rewind('reinstantiate');
    expect(fresh.stdout).not.toBe('');
    expect(reused.stdout).toBe(fresh.stdout);
  });
});
