// Per-run stdio and per-call host limits: a run that closes stdin, stdout or
// stderr (as CLI tools do at exit) leaves the next run's stdio intact, and a
// guest cannot make the host allocate past its bound in one call; a result's
// output stays its own when later runs write theirs.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReusableInstance } from '../src/index.js';
import { WasiHost } from '../shims/host.js';
import { MAX_STREAM_CHUNK } from '../shims/io.js';
import { differential } from './helpers.js';

const stdio = join(import.meta.dirname, 'fixtures', 'build', 'stdio.wasm');

describe('stdio is per run', () => {
  it('closing stdout, stderr or stdin in one run does not affect the next (differential)', async () => {
    const inputs = ['close-stdout', 'close-stderr', 'close-stdin'].map((mode) => ({ args: [mode], stdin: `input for ${mode}` }));
    const fresh = await differential(stdio, {}, inputs, 12);
    expect(fresh.map((f) => f.result.stdout)).toEqual(['out\n', 'out\n', 'input for close-stdin\nread 21\n']);
    expect(fresh.map((f) => f.result.stderr)).toEqual(['err\n', 'err\n', '']);
  });

  it('every get-stderr returns a usable stream; a dropped one stays closed for the rest of the run only', () => {
    const host = new WasiHost({ mounts: [], clock: 'real', random: 'crypto', captureLimit: 1024, keepFsChanges: false });
    const getStderr = host.imports['wasi:cli/stderr']!.getStderr as () => { write(b: Uint8Array): void; [Symbol.dispose](): void };
    const run = () => host.beginRun({ args: [], env: [], cwd: undefined, stdin: new Uint8Array() });
    run();
    const first = getStderr();
    first.write(Buffer.from('a'));
    first[Symbol.dispose]();
    expect(() => first.write(Buffer.from('x'))).toThrow(expect.objectContaining({ tag: 'closed' }));
    const second = getStderr();
    expect(second).not.toBe(first);
    second.write(Buffer.from('b'));
    expect(host.endRun().stderr.toString()).toBe('ab');
    // An object the rewound glue still holds (fetched before the snapshot) is open again next run.
    run();
    first.write(Buffer.from('c'));
    expect(host.endRun().stderr.toString()).toBe('c');
    // Snapshot files name every stdio object, and revive a usable one.
    expect(host.describe(second)).toEqual({ kind: 'stdio', name: 'stderr' });
    run();
    (host.revive({ kind: 'stdio', name: 'stderr' }) as typeof first).write(Buffer.from('d'));
    expect(host.endRun().stderr.toString()).toBe('d');
  });
});

describe('per-call host limits', () => {
  it('one stream read returns at most MAX_STREAM_CHUNK bytes, whatever length the guest asks for', () => {
    const host = new WasiHost({ mounts: [], clock: 'real', random: 'crypto', captureLimit: 1024, keepFsChanges: false });
    host.beginRun({ args: [], env: [], cwd: undefined, stdin: new Uint8Array(3 * MAX_STREAM_CHUNK) });
    const stdin = (host.imports['wasi:cli/stdin']!.getStdin as () => { read(n: bigint): Uint8Array })();
    expect(stdin.read(1n << 40n).length).toBe(MAX_STREAM_CHUNK);
    expect(stdin.read(10n).length).toBe(10);
  });

  // Through the adapter the request reaches wasi:random's bound; natively the
  // preview1 layer refuses a buffer beyond the guest's memory first.
  it('random_get of 512 MiB with maxMemoryMiB 16 traps without the host allocating it; the next run is clean', async () => {
    const inst = await ReusableInstance.create(stdio, { maxMemoryMiB: 16, preview1: 'adapter' });
    const before = process.memoryUsage().rss;
    const r = await inst.run({ args: ['random', String(512 << 20)] });
    expect(r.trap).toMatchObject({ kind: 'host-error', message: expect.stringMatching(/RandomLimitError: get-random-bytes: 536870912 bytes requested/) });
    expect(process.memoryUsage().rss - before).toBeLessThan(128 << 20);
    const fresh = await ReusableInstance.create(stdio, { maxMemoryMiB: 16, strategy: 'reinstantiate', preview1: 'adapter' });
    expect((await fresh.run({ args: ['random', String(512 << 20)] })).trap).toEqual(r.trap);
    expect((await inst.run({ args: ['random', '16'] })).stdout.toString()).toBe('random_get: 0\n');
  });

  it('natively, random_get of 512 MiB traps on its out-of-bounds buffer, as on a fresh instance, without the host allocating it', async () => {
    const inst = await ReusableInstance.create(stdio, { maxMemoryMiB: 16 });
    const before = process.memoryUsage().rss;
    const r = await inst.run({ args: ['random', String(512 << 20)] });
    expect(r.trap?.message).toMatch(/out of bounds pointer/);
    expect(process.memoryUsage().rss - before).toBeLessThan(128 << 20);
    const fresh = await ReusableInstance.create(stdio, { maxMemoryMiB: 16, strategy: 'reinstantiate' });
    expect((await fresh.run({ args: ['random', String(512 << 20)] })).trap).toEqual(r.trap);
    expect((await inst.run({ args: ['random', '16'] })).stdout.toString()).toBe('random_get: 0\n');
  });

  it('the bound follows maxMemoryMiB: a request larger than the guest memory limit is refused', async () => {
    const inst = await ReusableInstance.create(stdio, { maxMemoryMiB: 1, preview1: 'adapter' });
    const r = await inst.run({ args: ['random', String(2 << 20)] });
    expect(r.trap?.message).toMatch(/the host's limit is 1048576/);
    expect((await inst.run({ args: ['random', '16'] })).stdout.toString()).toBe('random_get: 0\n');
  });
});

describe('a run result owns what it returns', () => {
  const hello = join(import.meta.dirname, 'fixtures', 'build', 'hello.wasm');
  const echo = join(import.meta.dirname, 'fixtures', 'build', 'echo.wasm');

  it('later runs leave an earlier result\'s stdout as a fresh instance gives it (one write handed over whole, several writes)', async () => {
    for (const [file, inputs] of [[hello, [[], [], []]], [echo, [['a'], ['a much longer argument than the first'], ['b']]]] as const) {
      const inst = await ReusableInstance.create(file);
      const results = inputs.map((args) => inst.runSync({ args: [...args] }));
      for (const [i, args] of inputs.entries()) {
        const fresh = (await ReusableInstance.create(file, { strategy: 'reinstantiate' })).runSync({ args: [...args] });
        expect(Buffer.compare(results[i]!.stdout, fresh.stdout), `${file} run ${i + 1}`).toBe(0);
        expect(Buffer.compare(results[i]!.stderr, fresh.stderr)).toBe(0);
        expect(results[i]!.exitCode).toBe(fresh.exitCode);
      }
    }
  });

  it('resetMs and chunksRestored are 0 for a run no rewind came before, and count the rewind when one did', async () => {
    const inst = await ReusableInstance.create(hello);
    const first = inst.runSync();
    expect([first.resetMs, first.chunksRestored]).toEqual([0, 0]);
    const second = inst.runSync();
    expect(second.resetMs).toBeGreaterThan(0);
    expect(second.chunksRestored).toBeGreaterThan(0);
    const kept = inst.runSync({ reset: 'never' });
    expect([kept.resetMs, kept.chunksRestored]).toEqual([0, 0]);
  });
});
