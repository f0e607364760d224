// A reused run sees the file system exactly as a fresh instance does: contents,
// inode numbers, nanosecond timestamps (host files keep the host's atime and
// mtime), directory order, after runs that changed all of them.
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CreateOptions, RunOptions } from '../src/index.js';
import { differential } from './helpers.js';

const OPS = join(import.meta.dirname, 'fixtures', 'build', 'fs-ops.wasm');
const ops = (...args: string[]): RunOptions => ({ args });

describe('file system reset', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fs-reset-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const host = join(dir, 'host');
  mkdirSync(join(host, 'sub'), { recursive: true });
  for (const name of ['b.txt', 'a.txt', 'c.txt', 'sub/x']) writeFileSync(join(host, name), name);
  // atime after mtime and in the future, so reading the files does not move it (relatime).
  const atime = new Date(Date.now() + 3_600_000);
  utimesSync(join(host, 'a.txt'), atime, new Date('2020-01-02T03:04:05.123Z'));

  const changes = ops(
    'write:/data/a.txt:changed', 'unlink:/data/b.txt', 'rename:/data/c.txt:/data/sub/c', 'mkdir:/data/z', 'write:/data/z/n:new',
    'link:/data/sub/x:/data/hard', 'symlink:a.txt:/data/s', 'truncate:/data/sub/x:3',
  );
  const look = ops('ls:/data', 'ls:/data/sub', 'stat:/data/a.txt', 'stat:/data/sub/x', 'stat:/data/c.txt', 'cat:/data/a.txt', 'write:/data/new:1', 'stat:/data/new', 'ls:/data');

  it('host directory: contents, inode numbers, host timestamps and order come back', async () => {
    // Virtual clock: files a run creates get deterministic times; host files keep the host's.
    const options: CreateOptions = { dirs: { '/data': host }, clock: { virtual: {} }, init: false };
    const [, fresh] = await differential(OPS, options, [changes, look], 20);
    const st = statSync(join(host, 'a.txt'), { bigint: true });
    const ns = (t: bigint) => `${t / 1_000_000_000n}.${String(t % 1_000_000_000n).padStart(9, '0')}`;
    expect(fresh!.result.stdout).toContain(`stat:/data/a.txt: ino 3 size 5 nlink 1 mtime ${ns(st.mtimeNs)} atime ${ns(st.atimeNs)}`);
  });

  it('in-memory tree with the virtual clock: timestamps of new files are deterministic', async () => {
    const options: CreateOptions = { dirs: { '/data': { 'a.txt': 'a', 'b.txt': 'b', 'c.txt': 'c', sub: { x: 'x' } } }, clock: { virtual: {} }, init: false };
    await differential(OPS, options, [changes, look, ops(...changes.args!, ...look.args!)], 20);
  });

  it('large files: writes across chunk boundaries, cuts and sparse growth are rewound byte for byte', async () => {
    const big = new Uint8Array(200_000).map((_, i) => (i * 31) & 0xff);
    const options: CreateOptions = { dirs: { '/data': { big, small: 'x' } }, clock: { virtual: {} }, init: false };
    await differential(OPS, options, [
      ops('pwrite:/data/big:65530:ACROSS-THE-CHUNK-BOUNDARY', 'stat:/data/big'),
      ops('truncate:/data/big:70000', 'pwrite:/data/big:300000:Y', 'stat:/data/big'),
      ops('truncate:/data/big:65537', 'truncate:/data/big:131072', 'append:/data/big:Z', 'stat:/data/big'),
      ops('link:/data/big:/data/big2', 'append:/data/big2:via-link', 'unlink:/data/big', 'stat:/data/big2'),
      ops('stat:/data/big', 'cat:/data/small'),
    ], 30);
  });

  it('keepFsChanges keeps what a run wrote', async () => {
    const { ReusableInstance } = await import('../src/index.js');
    const inst = await ReusableInstance.create(OPS, { dirs: { '/data': {} }, keepFsChanges: true, init: false });
    await inst.run(ops('append:/data/log:a'));
    await inst.run(ops('append:/data/log:b'));
    expect((await inst.run(ops('cat:/data/log'))).stdout.toString()).toBe('cat:/data/log: [ab]\n');
  });
});
