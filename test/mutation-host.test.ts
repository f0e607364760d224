// The WASI host's reset and its verifyRestore fingerprint as units (no guest):
// a WasiHost run twice must give the second run what the first saw (clocks,
// random, stdin, file system, output capture), and HostState must compare
// exactly what it was given, at the moment it was told to, naming the
// differences.
import { describe, expect, it } from 'vitest';
import { RestoreError } from '../src/errors.js';
import { fields, fsFingerprint, HostState } from '../shims/host-state.js';
import { VirtualFs } from '../shims/vfs.js';
import { WasiHost, type HostConfig, type HostRunInput } from '../shims/host.js';

const config: HostConfig = {
  mounts: [{ guestPath: '/data', source: { tree: { 'a.txt': 'alpha' } } }],
  clock: { virtual: { startNs: 1_000n, stepNs: 7n } },
  random: { seed: 3 },
  captureLimit: 1 << 20,
  keepFsChanges: false,
};
const input: HostRunInput = { args: ['p'], env: [], cwd: undefined, stdin: Buffer.from('in') };
type Fn = (...a: unknown[]) => unknown;
const call = (host: WasiHost, iface: string, fn: string, ...args: unknown[]) => (host.imports[iface]![fn] as Fn)(...args);

/** What a run can observe of the host, taking a few steps of every kind. */
function observe(host: WasiHost) {
  const stdin = call(host, 'wasi:cli/stdin', 'getStdin') as { read(n: bigint): Uint8Array };
  const out = call(host, 'wasi:cli/stdout', 'getStdout') as { blockingWriteAndFlush(b: Uint8Array): void };
  out.blockingWriteAndFlush(Buffer.from('out'));
  const seen = {
    mono: [call(host, 'wasi:clocks/monotonic-clock', 'now'), call(host, 'wasi:clocks/monotonic-clock', 'now')],
    wall: call(host, 'wasi:clocks/wall-clock', 'now'),
    random: [call(host, 'wasi:random/random', 'getRandomU64'), Buffer.from(call(host, 'wasi:random/random', 'getRandomBytes', 5n) as Uint8Array).toString('hex')],
    stdin: Buffer.from(stdin.read(10n)).toString(),
    files: host.fs.toTree(),
  };
  host.fs.applyFiles({ '/data/b.txt': 'written' });
  return seen;
}

describe('WasiHost: a second run starts where the first did', () => {
  it('clocks, random, stdin, capture and files', () => {
    const host = new WasiHost(config);
    host.state.mark();
    const runs = [];
    for (let k = 0; k < 3; k++) {
      if (k) {
        host.reset();
        host.state.verify();
      }
      host.beginRun(input);
      runs.push(observe(host));
      const out = host.endRun();
      expect(out.stdout.toString()).toBe('out');
    }
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
    expect(runs[0]!.mono).toEqual([1_000n, 1_007n]);
  });

  it('real clocks and crypto random have no position to rewind', () => {
    const host = new WasiHost({ ...config, clock: 'real', random: 'crypto' });
    host.state.mark();
    for (let k = 0; k < 2; k++) {
      host.beginRun(input);
      expect(call(host, 'wasi:random/random', 'getRandomBytes', 4n)).toHaveLength(4);
      host.endRun();
      host.reset();
      host.state.verify();
    }
  });

  it('a stream object dropped in one run is open again in the next, as on a fresh host', () => {
    const host = new WasiHost(config);
    const out = call(host, 'wasi:cli/stdout', 'getStdout') as { blockingWriteAndFlush(b: Uint8Array): void; [Symbol.dispose](): void };
    host.beginRun(input);
    out[Symbol.dispose]();
    expect(() => out.blockingWriteAndFlush(Buffer.from('x'))).toThrow();
    host.endRun();
    host.reset();
    host.beginRun(input);
    out.blockingWriteAndFlush(Buffer.from('again'));
    expect(host.endRun().stdout.toString()).toBe('again');
  });

  it('keepFsChanges keeps the file system and nothing else', () => {
    const host = new WasiHost({ ...config, keepFsChanges: true });
    host.state.mark();
    host.beginRun(input);
    const first = observe(host);
    host.endRun();
    host.reset();
    host.state.verify();
    host.beginRun(input);
    const second = observe(host);
    expect(second.mono).toEqual(first.mono);
    expect(second.random).toEqual(first.random);
    expect(Object.keys(second.files.data as object)).toEqual(['a.txt', 'b.txt']);
  });
});

describe('WasiHost registers its state with verifyRestore', () => {
  const afterOneRun = (cfg: HostConfig) => {
    const host = new WasiHost(cfg);
    host.state.mark();
    host.beginRun(input);
    observe(host);
    host.endRun();
    return host;
  };

  it('the file system, checked after the reset, unless keepFsChanges', () => {
    for (const keepFsChanges of [false, true]) {
      const host = afterOneRun({ ...config, keepFsChanges });
      host.fs.lookup('/data/a.txt')!.mtime += 1n; // behind the journal
      host.reset();
      if (keepFsChanges) expect(() => host.state.verify()).not.toThrow();
      else expect(() => host.state.verify()).toThrow(/^host file system differs from the snapshot after restore: \/data\/a\.txt: file ino=\d+ nlink=1 size=5 atime=\d+ mtime=\d+/);
    }
  });

  it('per-run state, checked when the next run has set it up', () => {
    const host = afterOneRun(config);
    host.reset();
    host.state.verify();
    (host as unknown as { clocks: { reset(): void } }).clocks.reset = () => {};
    expect(() => host.beginRun(input)).toThrow('host per-run state differs from the snapshot at the start of a run after restore: clock: 1021, the snapshot has 1000'); // three clock reads of 7 ns
  });

  it('with the run\'s files written after the check (they move the file system clock)', () => {
    const host = afterOneRun(config);
    host.reset();
    host.state.verify();
    host.beginRun({ ...input, files: { '/data/x.txt': 'x' } });
    expect(Buffer.from(host.fs.lookup('/data/x.txt')!.bytes).toString()).toBe('x');
  });
});

describe('HostState', () => {
  const state = () => {
    const values = { a: 1, b: 'x' };
    const run = { n: 0 };
    const s = new HostState();
    s.add('thing', 'reset', () => fields(values));
    s.add('per-run', 'group', () => fields(run));
    return { s, values, run };
  };

  it('does nothing before mark', () => {
    const { s, values } = state();
    values.a = 2;
    expect(() => s.verify()).not.toThrow();
    expect(() => s.runStarted('group')).not.toThrow();
  });

  it('reset parts: compared at verify, naming each key that differs', () => {
    const { s, values } = state();
    s.mark();
    expect(() => s.verify()).not.toThrow();
    values.a = 2;
    expect(() => s.verify()).toThrow(new RestoreError('host thing differs from the snapshot after restore: a: 2, the snapshot has 1'));
    values.a = 1;
    values.b = 'y';
    expect(() => s.verify()).toThrow(/^host thing differs from the snapshot after restore: b: y, the snapshot has x$/);
  });

  it('keys present on one side only, and at most five named', () => {
    const s = new HostState();
    let map = new Map([['k', '1']]);
    s.add('fs', 'reset', () => map);
    s.mark();
    map = new Map([['j', '2']]);
    expect(() => s.verify()).toThrow('host fs differs from the snapshot after restore: k: missing (snapshot 1); j: not in the snapshot (now 2)');
    map = new Map([...'abcd'].map((c) => [c, c]));
    expect(() => s.verify()).toThrow(/; d: not in the snapshot \(now d\)$/); // five differences: all named
    map = new Map([...'abcdefg'].map((c) => [c, c]));
    expect(() => s.verify()).toThrow(/: k: missing \(snapshot 1\); a: not in .*; d: not in the snapshot \(now d\) \(and 3 more\)$/);
  });

  it('run-start parts: the first start after mark is the reference, checked only when a verify armed it, once', () => {
    const { s, run } = state();
    s.mark();
    run.n = 5;
    s.runStarted('group'); // reference: 5
    run.n = 6;
    s.runStarted('group'); // not armed
    s.runStarted('other');
    s.verify();
    s.runStarted('other'); // another group: not this part
    expect(() => s.runStarted('group')).toThrow('host per-run differs from the snapshot at the start of a run after restore: n: 6, the snapshot has 5');
    expect(() => s.runStarted('group')).not.toThrow(); // disarmed
    s.verify();
    run.n = 5;
    expect(() => s.runStarted('group')).not.toThrow();
  });

  it('mark takes a new reference and disarms', () => {
    const { s, values, run } = state();
    s.mark();
    s.runStarted('group');
    s.verify();
    values.a = 3;
    run.n = 1;
    s.mark();
    expect(() => s.verify()).not.toThrow();
    s.runStarted('group'); // new reference after mark: 1
    s.verify();
    expect(() => s.runStarted('group')).not.toThrow();
  });
});

describe('fsFingerprint', () => {
  it('covers a symlink\'s target and a file\'s contents, not only sizes', () => {
    const fs = new VirtualFs([{ guestPath: '/d', source: { tree: { f: 'abc' } } }], { clock: { virtual: { startNs: 0n, stepNs: 1n } } });
    const link = fs.vol.alloc('symlink');
    link.target = 'f';
    fs.lookup('/d')!.entries.set('l', link);
    const before = fsFingerprint(fs);
    link.target = 'g';
    expect(fsFingerprint(fs).get('/d/l')).toMatch(/^symlink .* -> g$/);
    expect(before.get('/d/l')).toMatch(/^symlink .* -> f$/);
    fs.lookup('/d/f')!.data.write(Buffer.from('x'), 0);
    expect(fsFingerprint(fs).get('/d/f')).not.toBe(before.get('/d/f'));
  });
});
