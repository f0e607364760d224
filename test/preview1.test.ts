// The native preview1 path (src/preview1): every C fixture reused vs a fresh
// native instance, native vs the adapter path where they must agree, exact
// exit codes, host writes into guest memory restored (verifyRestore), flat
// stats, hostile pointers and bad flags answered as Wasmtime answers them.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@bytecodealliance/jco';
import { describe, expect, it } from 'vitest';
import { ReusableInstance, RewindError, type CreateOptions, type RunOptions } from '../src/index.js';
import { differential, fixture, observed } from './helpers.js';

const C_FIXTURES = readdirSync(join(import.meta.dirname, 'fixtures', 'c'))
  .filter((f) => f.endsWith('.c') && f !== 'crt1-command.c')
  .map((f) => f.slice(0, -2));
const path = (name: string) => join(import.meta.dirname, 'fixtures', 'build', `${name}.wasm`);

const dirs: CreateOptions['dirs'] = { '/data': { 'in.txt': 'hello file\n', sub: { 'b.txt': 'b' } } };
const deterministic: CreateOptions = { dirs, clock: { virtual: {} }, random: { seed: 7 } };
/** Inputs every fixture gets: no args, args, env, stdin, a per-run file. */
const inputs: RunOptions[] = [
  {},
  { args: ['one', 'two'] },
  { env: { NAME: 'x' }, stdin: 'some input\n' },
  { args: ['5'], files: { '/data/extra.txt': 'extra' } },
];

async function runOnce(name: string, options: CreateOptions, input: RunOptions) {
  const inst = await ReusableInstance.create(path(name), { ...options, strategy: 'reinstantiate' });
  const r = await inst.run(input);
  return { result: observed(r), files: inst.files() };
}

describe('native preview1: reused instance vs fresh native instance', () => {
  it.each(C_FIXTURES)('%s', async (name) => {
    await differential(path(name), { ...deterministic, verifyRestore: true }, inputs, 24);
  });
});

describe('native preview1 vs the adapter path', () => {
  // Outputs that do not depend on what the two paths may differ in (exit codes above 1, fd numbering inside the adapter).
  it.each(['hello', 'echo', 'cat', 'files', 'counter', 'grow', 'touch', 'cgi'])('%s agrees', async (name) => {
    for (const input of inputs.slice(0, 3)) {
      const native = await runOnce(name, deterministic, input);
      const adapter = await runOnce(name, { ...deterministic, preview1: 'adapter' }, input);
      expect(native, JSON.stringify(input)).toEqual(adapter);
    }
  });

  it('exit codes are exact on the native path (the adapter reports 1)', async () => {
    const native = await ReusableInstance.create(path('exit'));
    for (const code of [0, 1, 5, 33, 125]) {
      const r = await native.run({ args: [String(code)] });
      expect(r.exitCode).toBe(code);
      expect(r.stdout.toString()).toBe(`exiting with ${code}\n`);
    }
    const adapter = await ReusableInstance.create(path('exit'), { preview1: 'adapter' });
    expect((await adapter.run({ args: ['33'] })).exitCode).toBe(1);
  });

  it('an exit status of 126 or more traps, as in Wasmtime, on fresh and reused instances alike', async () => {
    const reused = await ReusableInstance.create(path('exit'));
    const fresh = await runOnce('exit', {}, { args: ['200'] });
    const r = await reused.run({ args: ['200'] });
    expect(observed(r)).toEqual(fresh.result);
    expect(r.trap?.message).toMatch(/invalid exit status/);
    expect((await reused.run({ args: ['3'] })).exitCode).toBe(3);
  });
});

describe('host writes into guest memory are restored', () => {
  // args_get/environ_get, fd_read (stdin, files), clock_time_get and random_get
  // results vary per run; verifyRestore fails a run whose host writes were not marked.
  it.each([
    ['echo', (k: number) => ({ args: Array.from({ length: k % 7 }, (_, i) => `arg-${k}-${i}`.repeat(k % 5 + 1)) })],
    ['cat', (k: number) => ({ stdin: 'x'.repeat((k * 977) % 9000) })],
    ['entropy', (k: number) => ({ env: { K: String(k) } })],
    ['files', (k: number) => ({ files: { [`/data/f${k % 3}.txt`]: 'y'.repeat(k * 13) } })],
  ] as const)('%s, 60 runs with varying inputs', async (name, input) => {
    const inst = await ReusableInstance.create(path(name), { ...deterministic, verifyRestore: true });
    for (let k = 0; k < 60; k++) {
      const r = await inst.run(input(k));
      expect(r.trap, `run ${k}`).toBeUndefined();
      if (k % 20 === 0) expect(observed(r)).toEqual((await runOnce(name, deterministic, input(k))).result);
    }
  });
});

describe('native preview1 stays flat', () => {
  it('hello: stats() over 1000 runs', async () => {
    const inst = await ReusableInstance.create(path('hello'));
    await inst.run();
    const first = inst.stats();
    for (let k = 0; k < 1000; k++) await inst.run();
    const last = inst.stats();
    expect(last.runs).toBe(1001);
    expect({ ...last, runs: 0 }).toEqual({ ...first, runs: 0 });
  });
});

/**
 * Guest mistakes, one per case: the probe module's _start runs case n (n =
 * the number of arguments after argv[0]) and exits with the errno it got,
 * unless it traps. One module, so one rewrite for all cases.
 */
const IMPORTS = `
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $argc (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_seek" (func $seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_set_flags" (func $setflags (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $time (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_shutdown" (func $shutdown (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_renumber" (func $renumber (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))`;

const ERRNO_CASES: [string, string, number][] = [
  ['an empty write to a closed fd is EBADF', '(call $write (i32.const 99) (i32.const 0) (i32.const 0) (i32.const 64))', 8],
  ['an empty write to stdout succeeds', '(call $write (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 64))', 0],
  ['a write to stdin is EBADF', '(call $write (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 64))', 8],
  ['fd_seek on stdout is ESPIPE', '(call $seek (i32.const 1) (i64.const 0) (i32.const 0) (i32.const 64))', 70],
  ['an unknown whence is EINVAL (before the fd check)', '(call $seek (i32.const 99) (i64.const 0) (i32.const 9) (i32.const 64))', 28],
  ['unknown fdflags bits are EINVAL', '(call $setflags (i32.const 3) (i32.const 0x100))', 28],
  ['process CPU clocks are EBADF', '(call $time (i32.const 2) (i64.const 0) (i32.const 64))', 8],
  ['poll_oneoff with no subscriptions is EINVAL', '(call $poll (i32.const 0) (i32.const 64) (i32.const 0) (i32.const 128))', 28],
  ['sockets are ENOTSOCK on an open fd', '(call $shutdown (i32.const 1) (i32.const 1))', 57],
  ['sockets are EBADF on a closed fd', '(call $shutdown (i32.const 77) (i32.const 1))', 8],
  ['renumbering onto a closed fd is EBADF', '(call $renumber (i32.const 3) (i32.const 40))', 8],
];
// The iovec at 16, { buf: 65000, len: 4000 }, runs past the 64 KiB memory.
const TRAP_CASES: [string, string, RegExp][] = [
  ['an iovec array beyond memory', '(call $write (i32.const 1) (i32.const 65532) (i32.const 1) (i32.const 64))', /out of bounds pointer/],
  ['a buffer beyond memory', '(call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 64))', /out of bounds pointer/],
  ['a result pointer beyond memory', '(call $write (i32.const 1) (i32.const 0) (i32.const 0) (i32.const -4))', /out of bounds pointer/],
  ['a misaligned result pointer', '(call $write (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 65))', /misaligned pointer/],
  ['a huge random_get (bounds checked before anything is allocated)', '(call $random (i32.const 0) (i32.const -1))', /out of bounds pointer/],
];

const probe = (async () => {
  const cases = [...ERRNO_CASES.map((c) => c[1]), ...TRAP_CASES.map((c) => c[1])];
  return parse(`(module ${IMPORTS}
    (memory (export "memory") 1)
    (data (i32.const 16) "\\e8\\fd\\00\\00\\a0\\0f\\00\\00")
    (func (export "_start") (local $n i32)
      (drop (call $argc (i32.const 0) (i32.const 4)))
      (local.set $n (i32.sub (i32.load (i32.const 0)) (i32.const 1)))
      ${cases.map((call, i) => `(if (i32.eq (local.get $n) (i32.const ${i})) (then (call $exit ${call})))`).join('\n      ')}
      (call $exit (i32.const 255))))`);
})();

/** Case n on a fresh instance, then twice on one reused instance: all the same. */
async function probeCase(n: number) {
  const bytes = await probe;
  const args = Array.from({ length: n }, () => 'x');
  const fresh = await (await ReusableInstance.create(bytes, { strategy: 'reinstantiate', dirs })).run({ args });
  const reused = await ReusableInstance.create(bytes, { dirs, verifyRestore: true });
  for (let k = 0; k < 2; k++) expect(observed(await reused.run({ args }))).toEqual(observed(fresh));
  expect(observed(await reused.run({ args: Array.from({ length: 1 }, () => 'x') }))).toEqual({ exitCode: 0, stdout: '', stderr: '', trap: undefined });
  return fresh;
}

describe('guest mistakes get Wasmtime\'s answers, fresh and reused alike', () => {
  it.each(ERRNO_CASES.map((c, i) => [c[0], i, c[2]] as const))('%s', async (_name, n, errno) => {
    const r = await probeCase(n);
    expect(r.trap).toBeUndefined();
    expect(r.exitCode).toBe(errno);
  });

  it.each(TRAP_CASES.map((c, i) => [c[0], ERRNO_CASES.length + i, c[2]] as const))('%s traps, and the next run is clean', async (_name, n, message) => {
    const r = await probeCase(n);
    expect(r.exitCode).toBeNull();
    expect(r.trap?.kind).toBe('trap');
    expect(r.trap?.message).toMatch(message);
  });

  it('a module importing a function preview1 does not have -> INSTANTIATION_FAILED naming it', async () => {
    const bytes = await parse(`(module
      (import "wasi_snapshot_preview1" "fd_teleport" (func (param i32) (result i32)))
      (memory (export "memory") 1) (func (export "_start")))`);
    const err = await ReusableInstance.create(bytes, { strategy: 'reinstantiate' }).catch((e) => e);
    expect(err).toBeInstanceOf(RewindError);
    expect(err.code).toBe('INSTANTIATION_FAILED');
    expect(err.message).toMatch(/fd_teleport/);
  });
});

describe('native path: snapshot files and post-init', () => {
  it('a snapshot file written by a native instance starts another one (sieve: post-init)', async () => {
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const file = join(await mkdtemp(join(tmpdir(), 'p1-snap-')), 'sieve.snap');
    const first = await ReusableInstance.create(fixture('sieve'), { init: 'wizer.initialize' });
    const expected = observed(await first.run());
    expect(expected.stderr).toMatch(/built in this run: no/);
    await first.saveSnapshot(file);
    const second = await ReusableInstance.create(fixture('sieve'), { snapshotFile: file, verifyRestore: true });
    for (let k = 0; k < 3; k++) expect(observed(await second.run())).toEqual(expected);
    // The adapter path's instance is another program as far as snapshot files go.
    await expect(ReusableInstance.create(fixture('sieve'), { snapshotFile: file, preview1: 'adapter' })).rejects.toThrow(/different component/);
  });
});

/**
 * A stdio write of several buffers: case n (arguments after argv[0]) calls
 * fd_write once and exits with the bytes it reports written, or 100 + errno.
 * Buffers: "ab" at 120, "cd\n" at 200; iovec arrays at 16 and on.
 */
const WRITEV_CASES: [string, string, number, string][] = [
  ['two buffers on stdout move together', '(i32.const 1) (i32.const 16) (i32.const 2)', 5, 'abcd\n'],
  ['two buffers on stderr move together', '(i32.const 2) (i32.const 16) (i32.const 2)', 5, ''],
  ['a later buffer beyond memory: the first buffer only, no trap', '(i32.const 1) (i32.const 32) (i32.const 2)', 2, 'ab'],
  ['more than PIPE_BUF (4096) bytes in all: the first buffer only', '(i32.const 1) (i32.const 48) (i32.const 2)', 2, 'ab'],
  ['empty buffers around one: that one', '(i32.const 1) (i32.const 64) (i32.const 3)', 3, 'cd\n'],
  ['a buffer count beyond memory: the first buffer only', '(i32.const 1) (i32.const 16) (i32.const 100000)', 2, 'ab'],
  ['buffers are joined in their order', '(i32.const 1) (i32.const 88) (i32.const 2)', 5, 'cd\nab'],
];

const writevProbe = parse(`(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $argc (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 120) "ab")
  (data (i32.const 200) "cd\\n")
  ;; 16: {120, 2} {200, 3}   32: {120, 2} {65530, 10}   48: {120, 2} {0, 5000}
  ;; 64: {120, 0} {200, 3} {120, 0}   88: {200, 3} {120, 2}
  (data (i32.const 16) "\\78\\00\\00\\00\\02\\00\\00\\00\\c8\\00\\00\\00\\03\\00\\00\\00")
  (data (i32.const 32) "\\78\\00\\00\\00\\02\\00\\00\\00\\fa\\ff\\00\\00\\0a\\00\\00\\00")
  (data (i32.const 48) "\\78\\00\\00\\00\\02\\00\\00\\00\\00\\00\\00\\00\\88\\13\\00\\00")
  (data (i32.const 64) "\\78\\00\\00\\00\\00\\00\\00\\00\\c8\\00\\00\\00\\03\\00\\00\\00\\78\\00\\00\\00\\00\\00\\00\\00")
  (data (i32.const 88) "\\c8\\00\\00\\00\\03\\00\\00\\00\\78\\00\\00\\00\\02\\00\\00\\00")
  (func (export "_start") (local $n i32) (local $errno i32)
    (drop (call $argc (i32.const 0) (i32.const 4)))
    (local.set $n (i32.sub (i32.load (i32.const 0)) (i32.const 1)))
    ${WRITEV_CASES.map((c, i) => `(if (i32.eq (local.get $n) (i32.const ${i})) (then (local.set $errno (call $write ${c[1]} (i32.const 400)))))`).join('\n    ')}
    (if (local.get $errno) (then (call $exit (i32.add (i32.const 100) (local.get $errno)))))
    (call $exit (i32.load (i32.const 400)))))`);

describe('a small stdio write moves all its buffers, as a pipe takes a write of up to PIPE_BUF bytes whole', () => {
  it.each(WRITEV_CASES.map((c, i) => [c[0], i, c[2], c[3]] as const))('%s', async (_name, n, written, stdout) => {
    const bytes = await writevProbe;
    const args = Array.from({ length: n }, () => 'x');
    const fresh = observed(await (await ReusableInstance.create(bytes, { strategy: 'reinstantiate' })).run({ args }));
    expect(fresh.exitCode).toBe(written);
    expect(fresh.stdout).toBe(stdout);
    if (n === 1) expect(fresh.stderr).toBe('abcd\n');
    const reused = await ReusableInstance.create(bytes, { verifyRestore: true });
    for (let k = 0; k < 2; k++) expect(observed(await reused.run({ args }))).toEqual(fresh);
  });

  it('an output callback sees one chunk per such write, and a chunk it keeps stays as it was', async () => {
    const inst = await ReusableInstance.create(await writevProbe);
    const seen: Uint8Array[] = [];
    await inst.run({ onStdout: (c) => seen.push(c) });
    await inst.run({ args: ['x', 'x', 'x', 'x', 'x', 'x'], onStdout: (c) => seen.push(c) });
    expect(seen.map((c) => Buffer.from(c).toString())).toEqual(['abcd\n', 'cd\nab']);
  });
});
