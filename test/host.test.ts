// The resettable WASI host: per-run args/env/stdin/files, output capture and
// streaming, file system rewind, deterministic clocks and random.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ReusableInstance } from '../src/index.js';
import { Cli, ExitSignal } from '../shims/cli.js';
import { WasiHost } from '../shims/host.js';
import { CLOSED, createIo } from '../shims/io.js';
import { VirtualFs } from '../shims/vfs.js';
import { createSockets } from '../shims/sockets.js';
import { fixture } from './helpers.js';

const text = (b: Uint8Array) => Buffer.from(b).toString();

describe('cli', () => {
  it('gives each run its own args and env, with create-time defaults', async () => {
    const inst = await ReusableInstance.create(fixture('echo'), { args: ['default'], env: { D: '1' }, programName: 'prog' });
    expect(text((await inst.run()).stdout)).toBe('arg[0]=prog\narg[1]=default\nenv:D=1\n');
    expect(text((await inst.run({ args: ['x'], env: { E: '2' } })).stdout)).toBe('arg[0]=prog\narg[1]=x\nenv:E=2\n');
    expect(text((await inst.run()).stdout)).toBe('arg[0]=prog\narg[1]=default\nenv:D=1\n');
  });

  it('passes empty environment values intact (jco glue fix)', async () => {
    for (const strategy of ['snapshot', 'reinstantiate'] as const) {
      const inst = await ReusableInstance.create(fixture('echo'), { strategy, programName: 'p' });
      expect(text((await inst.run({ env: { A: '', B: '1', C: '' }, args: [''] })).stdout)).toBe('arg[0]=p\narg[1]=\nenv:A=\nenv:B=1\nenv:C=\n');
    }
  });

  it('reads stdin from a string, bytes or a stream', async () => {
    const inst = await ReusableInstance.create(fixture('cat'));
    const bytes = new Uint8Array(100_000).map((_, i) => i % 251);
    expect(text((await inst.run({ stdin: 'abc' })).stdout)).toBe('abc');
    const r = await inst.run({ stdin: bytes });
    expect(Buffer.compare(r.stdout, Buffer.from(bytes))).toBe(0);
    expect(text(r.stderr)).toBe('read 100000 bytes\n');
    expect(text((await inst.run({ stdin: Readable.from([Buffer.from('st'), Buffer.from('ream')]) })).stdout)).toBe('stream');
    expect(text((await inst.run()).stderr)).toBe('read 0 bytes\n');
  });

  it('streams output to callbacks as it is written, and caps what it keeps', async () => {
    const inst = await ReusableInstance.create(fixture('cat'), { captureLimitBytes: 16 });
    const input = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(2);
    const seen: string[] = [];
    const r = await inst.run({ stdin: input, onStdout: (c) => seen.push(text(c)) });
    expect(seen.join('')).toBe(input); // the callback sees everything
    expect(r.truncated).toBe(true);
    expect(text(r.stdout)).toBe('abcdefghijklmnop'); // the head is kept, byte for byte
    expect(text(r.stderr)).toBe('read 72 bytes\n'); // under the cap: whole
    // The next run starts a new capture: under the cap nothing is cut.
    // Over many writes and buffer growths, the kept head is still exact and cut at the cap.
    const big = await ReusableInstance.create(fixture('cat'), { captureLimitBytes: 200_000 });
    const bytes = new Uint8Array(300_000).map((_, i) => (i * 7) % 253);
    const whole = await big.run({ stdin: bytes });
    expect(whole.truncated).toBe(true);
    expect(Buffer.compare(whole.stdout, Buffer.from(bytes.subarray(0, 200_000)))).toBe(0);
    // Without a cap in the way, a large result owns a buffer of about its size, not the capture's doubled one.
    const uncapped = await (await ReusableInstance.create(fixture('cat'))).run({ stdin: bytes });
    expect(Buffer.compare(uncapped.stdout, Buffer.from(bytes))).toBe(0);
    expect(uncapped.stdout.buffer.byteLength - uncapped.stdout.length).toBeLessThanOrEqual(64 << 10);
    const small = await inst.run({ stdin: 'xyz' });
    expect(small.truncated).toBe(false);
    expect(text(small.stdout)).toBe('xyz');
    expect(text(small.stderr)).toBe('read 3 bytes\n');
  });
});

describe('cli state per run (unit)', () => {
  const run = (over: Partial<Parameters<Cli['begin']>[0]> = {}) => ({ args: ['p'], env: [['A', '1']] as [string, string][], cwd: '/w', stdin: new Uint8Array(), ...over });
  type Streams = { getStdin(): { read(n: bigint): Uint8Array }; getStdout(): { write(b: Uint8Array): void } };
  const streams = (cli: Cli) => {
    const i = cli.interfaces();
    return { stdin: (i['wasi:cli/stdin'] as unknown as Streams).getStdin(), stdout: (i['wasi:cli/stdout'] as unknown as Streams).getStdout() };
  };

  it('serves the current run\'s args, env and cwd, and only those', () => {
    const cli = new Cli(createIo(), 100);
    const env = cli.interfaces()['wasi:cli/environment'];
    cli.begin(run());
    expect([env.getArguments(), env.getEnvironment(), env.initialCwd()]).toEqual([['p'], [['A', '1']], '/w']);
    cli.begin(run({ args: ['q', 'r'], env: [], cwd: undefined }));
    expect([env.getArguments(), env.getEnvironment(), env.initialCwd()]).toEqual([['q', 'r'], [], undefined]);
  });

  it('reads each run\'s stdin from its start to its end, then reports the stream closed', () => {
    const cli = new Cli(createIo(), 100);
    const { stdin } = streams(cli);
    cli.begin(run({ stdin: new TextEncoder().encode('abcdef') }));
    expect(text(stdin.read(4n))).toBe('abcd');
    cli.begin(run({ stdin: new TextEncoder().encode('xyz') }));
    expect(text(stdin.read(2n))).toBe('xy');
    expect(text(stdin.read(10n))).toBe('z');
    expect(() => stdin.read(10n)).toThrow(expect.objectContaining(CLOSED));
  });

  it('caps each stream at the limit: exactly the limit is not truncated, one byte more is', () => {
    const cli = new Cli(createIo(), 4);
    const { stdout } = streams(cli);
    cli.begin(run());
    stdout.write(new TextEncoder().encode('ab'));
    stdout.write(new TextEncoder().encode('cd'));
    expect(cli.end()).toEqual({ stdout: Buffer.from('abcd'), stderr: Buffer.alloc(0), truncated: false });
    cli.begin(run());
    stdout.write(new TextEncoder().encode('abcde'));
    stdout.write(new TextEncoder().encode('f'));
    expect(cli.end()).toEqual({ stdout: Buffer.from('abcd'), stderr: Buffer.alloc(0), truncated: true });
    cli.begin(run()); // a new run starts with an empty, untruncated capture
    expect(cli.end()).toEqual({ stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), truncated: false });
  });

  it('writes exactly the zeroes asked for, and traps beyond the check-write budget instead of writing less', () => {
    const cli = new Cli(createIo(), 4 << 20);
    const stdout = (cli.interfaces()['wasi:cli/stdout'] as unknown as { getStdout(): { checkWrite(): bigint; writeZeroes(n: bigint): void; blockingWriteZeroesAndFlush(n: bigint): void } }).getStdout();
    cli.begin(run());
    const budget = stdout.checkWrite();
    stdout.writeZeroes(budget);
    stdout.blockingWriteZeroesAndFlush(4096n);
    expect(() => stdout.writeZeroes(budget + 1n)).toThrow(RangeError);
    expect(() => stdout.blockingWriteZeroesAndFlush(4097n)).toThrow(RangeError);
    const out = cli.end().stdout;
    expect(out.byteLength).toBe(Number(budget) + 4096);
    expect(out.every((b) => b === 0)).toBe(true);
  });

  it('names each stdio stream object (snapshot files), a new object per get, and nothing else', () => {
    const io = createIo();
    const cli = new Cli(io, 100);
    const i = cli.interfaces();
    const get = (name: 'stdin' | 'stdout' | 'stderr') => {
      const key = `get${name[0]!.toUpperCase()}${name.slice(1)}`;
      return (i[`wasi:cli/${name}`] as unknown as Record<string, () => unknown>)[key]!();
    };
    for (const name of ['stdin', 'stdout', 'stderr'] as const) {
      const a = get(name);
      expect(get(name)).not.toBe(a);
      expect(cli.stdioName(a)).toBe(name);
      expect(cli.stdioName(cli.stdioObject(name))).toBe(name);
    }
    expect(cli.stdioName(new io.OutputStream({ write: () => {} }))).toBeUndefined();
    expect(cli.stdioName(new io.InputStream({ read: () => null }))).toBeUndefined();
    expect(cli.stdioName(new Cli(io, 100).stdioObject('stdout'))).toBeUndefined(); // another host's
    expect(cli.stdioName({ sink: {} })).toBeUndefined();
  });

  it('keeps written bytes even if the guest reuses its buffer afterwards', () => {
    const cli = new Cli(createIo(), 100);
    const { stdout } = streams(cli);
    cli.begin(run());
    const buf = new TextEncoder().encode('one');
    stdout.write(buf);
    buf.set(new TextEncoder().encode('two'));
    stdout.write(buf);
    expect(text(cli.end().stdout)).toBe('onetwo');
  });

  it('turns both exits into an ExitSignal with the code, never a process exit', () => {
    const exit = new Cli(createIo(), 1).interfaces()['wasi:cli/exit'];
    const code = (f: () => unknown) => { try { f(); } catch (e) { return e instanceof ExitSignal ? e.code : e; } return 'returned'; };
    expect(code(() => exit.exit({ tag: 'ok' }))).toBe(0);
    expect(code(() => exit.exit({ tag: 'err' }))).toBe(1);
    expect(code(() => exit.exitWithCode(42))).toBe(42);
  });

  it('names its stdio objects for snapshot files, including streams handed to the guest', () => {
    const cli = new Cli(createIo(), 1);
    for (const name of ['stdin', 'stdout', 'stderr'] as const) expect(cli.stdioName(cli.stdioObject(name))).toBe(name);
    expect(cli.stdioName(streams(cli).stdout)).toBe('stdout');
    expect(cli.stdioName({})).toBeUndefined();
  });
});

describe('filesystem', () => {
  it('rewinds file changes on reset, including per-run files', async () => {
    const inst = await ReusableInstance.create(fixture('files'), { dirs: { '/data': { 'a.txt': 'hello' } } });
    expect(text((await inst.run({ args: ['b.txt', 'one'] })).stdout)).toBe('a.txt 5\nb.txt 3\n');
    expect(text((await inst.run({ args: ['b.txt', 'one'] })).stdout)).toBe('a.txt 5\nb.txt 3\n');
    expect(text((await inst.run({ files: { '/data/c.txt': 'per-run' } })).stdout)).toBe('a.txt 5\nc.txt 7\n');
    expect(text((await inst.run()).stdout)).toBe('a.txt 5\n');
  });

  it('keeps file changes when asked to', async () => {
    const inst = await ReusableInstance.create(fixture('files'), { dirs: { '/data': {} }, keepFsChanges: true });
    await inst.run({ args: ['log', 'a'] });
    await inst.run({ args: ['log', 'b'] });
    expect(text((await inst.run()).stdout)).toBe('log 2\n');
    expect(text((inst.files().data as Record<string, Uint8Array>).log!)).toBe('ab');
  });

  it('maps a host directory (copied: the host copy is never written)', async () => {
    const host = new URL('./fixtures/hostdir', import.meta.url).pathname;
    const inst = await ReusableInstance.create(fixture('files'), { dirs: { '/data': host } });
    expect(text((await inst.run({ args: ['greeting.txt', '!'] })).stdout)).toMatch(/^greeting.txt 15\nnested \d+\n$/);
    expect(text((await inst.run()).stdout)).toMatch(/^greeting.txt 14\nnested \d+\n$/);
    expect(readFileSync(`${host}/greeting.txt`, 'utf8')).toBe('from the host\n');
  });

  it('has no file system unless directories are given', async () => {
    const r = await (await ReusableInstance.create(fixture('files'))).run();
    expect(r.exitCode).toBe(2); // files.c returns 2 (exact on the native preview1 path)
    expect(text(r.stderr)).toMatch(/opendir/);
  });
});

describe('clocks and random', () => {
  it('are deterministic and identical every run with a virtual clock and a seed', async () => {
    const opts = { clock: { virtual: {} }, random: { seed: 42 } } as const;
    const a = await ReusableInstance.create(fixture('entropy'), opts);
    const b = await ReusableInstance.create(fixture('entropy'), { ...opts, strategy: 'reinstantiate' });
    const first = text((await a.run()).stdout);
    expect(first).toMatch(/^mono=\d+\.\d{9} wall=1700000000 random=[0-9a-f]{16}\n$/);
    for (let k = 0; k < 20; k++) expect(text((await a.run()).stdout)).toBe(first);
    expect(text((await b.run()).stdout)).toBe(first);
  });

  it('differ run to run with the real clock and crypto random, as fresh instances do', async () => {
    const inst = await ReusableInstance.create(fixture('entropy'));
    const outs = new Set<string>();
    for (let k = 0; k < 5; k++) outs.add(text((await inst.run()).stdout).replace(/mono=\S+ wall=\d+ /, ''));
    expect(outs.size).toBe(5);
    const wall = Number(/wall=(\d+)/.exec(text((await inst.run()).stdout))![1]);
    expect(Math.abs(wall - Date.now() / 1000)).toBeLessThan(60);
  });
});

describe('interface versions', () => {
  it('answers every wasi 0.2.x version of each interface, and nothing it does not provide', () => {
    const host = new WasiHost({ mounts: [], clock: 'real', random: 'crypto', captureLimit: 1024, keepFsChanges: false });
    for (const version of ['0.2.0', '0.2.3', '0.2.6', '0.2.12']) {
      for (const iface of ['wasi:cli/stdout', 'wasi:io/streams', 'wasi:filesystem/types', 'wasi:clocks/monotonic-clock', 'wasi:random/random', 'wasi:sockets/tcp']) {
        expect(`${iface}@${version}` in host.imports).toBe(true);
        expect(host.imports[`${iface}@${version}`]).toBe(host.imports[iface]);
      }
    }
    expect('wasi:http/types@0.2.0' in host.imports).toBe(true);
    expect('wasi:http/incoming-handler@0.2.0' in host.imports).toBe(false);
  });
});

describe('sockets', () => {
  it('are denied', () => {
    const s = createSockets();
    expect(() => s['wasi:sockets/tcp-create-socket'].createTcpSocket()).toThrow('access-denied');
    expect(() => s['wasi:sockets/ip-name-lookup'].resolveAddresses()).toThrow('access-denied');
  });
});
