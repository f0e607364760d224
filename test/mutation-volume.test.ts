// The volume's undo journal (shims/fs/volume.ts, inode.ts, data.ts) in
// isolation: every kind of change the WASI file system makes (writes, growth
// and truncation, new files and directories, links, renames, symlinks,
// removals, time changes), done the way shims/filesystem.ts does it, then a
// reset; the result must equal a fresh volume built from the same mounts,
// compared by the verifyRestore fingerprint (paths, inode numbers, link
// counts, times, contents, quota counters, an empty journal).
import { describe, expect, it } from 'vitest';
import { fsFingerprint } from '../shims/host-state.js';
import type { Inode } from '../shims/fs/inode.js';
import { VirtualFs, type Mount } from '../shims/vfs.js';

const big = new Uint8Array(200_000).map((_, i) => (i * 7) & 255);
const mounts: Mount[] = [{ guestPath: '/data', source: { tree: { 'a.txt': 'alpha', 'big.bin': big, sub: { 'b.txt': 'beta' }, empty: {} } } }];
const clock = { virtual: { startNs: 1_000n, stepNs: 10n } };
const make = () => new VirtualFs(mounts, { clock });
const fp = (fs: VirtualFs) => Object.fromEntries(fsFingerprint(fs));

/** Changes as shims/filesystem.ts makes them. */
const ops: Record<string, (fs: VirtualFs) => void> = {
  write: (fs) => fs.vol.write(fs.lookup('/data/a.txt')!, Buffer.from('XY'), 1),
  writeBigMiddle: (fs) => fs.vol.write(fs.lookup('/data/big.bin')!, Buffer.from('zz'), 70_000),
  append: (fs) => {
    const f = fs.lookup('/data/sub/b.txt')!;
    fs.vol.write(f, Buffer.from('!!'), f.size);
  },
  grow: (fs) => fs.vol.resize(fs.lookup('/data/a.txt')!, 100_000),
  truncate: (fs) => fs.vol.resize(fs.lookup('/data/big.bin')!, 3),
  create: (fs) => {
    const dir = fs.lookup('/data')!;
    const f = fs.vol.alloc('file');
    fs.vol.modify(dir).entries.set('new.txt', f);
    fs.vol.write(f, Buffer.from('new'), 0);
  },
  mkdir: (fs) => {
    const parent = fs.lookup('/data/empty')!;
    fs.vol.modify(parent).entries.set('d', fs.vol.alloc('dir'));
    parent.mtime = parent.ctime = fs.vol.now();
  },
  link: (fs) => {
    const f = fs.lookup('/data/a.txt')!;
    fs.vol.addName();
    fs.vol.modify(f).nlink++;
    fs.vol.modify(fs.lookup('/data/sub')!).entries.set('hard', f);
  },
  rename: (fs) => {
    const from = fs.lookup('/data/sub')!;
    const to = fs.lookup('/data')!;
    const src = from.entries.get('b.txt')!;
    fs.vol.modify(from).entries.delete('b.txt');
    fs.vol.modify(to).entries.set('moved.txt', src);
    fs.vol.modify(src).ctime = fs.vol.now();
  },
  renameOver: (fs) => {
    const dir = fs.lookup('/data')!;
    const src = dir.entries.get('a.txt')!;
    const dst = dir.entries.get('big.bin')!;
    fs.vol.modify(dir).entries.delete('a.txt');
    dir.entries.set('big.bin', src);
    fs.vol.unlinked(dst);
  },
  symlink: (fs) => {
    fs.vol.charge(5);
    const link = fs.vol.alloc('symlink');
    link.target = 'a.txt';
    fs.vol.modify(fs.lookup('/data')!).entries.set('sym', link);
  },
  unlink: (fs) => {
    const dir = fs.lookup('/data/sub')!;
    const f = dir.entries.get('b.txt')!;
    fs.vol.modify(dir).entries.delete('b.txt');
    fs.vol.unlinked(f);
  },
  times: (fs) => {
    const f = fs.vol.modify(fs.lookup('/data/big.bin')!);
    f.atime = 5n;
    f.mtime = 6n;
    f.ctime = 7n;
  },
  files: (fs) => fs.applyFiles({ '/data/run/in.txt': 'per run', '/data/a.txt': 'replaced' }),
};

describe('volume undo journal: a reset equals a fresh volume', () => {
  const fresh = fp(make());

  it.each(Object.keys(ops))('%s, then a reset', (name) => {
    const fs = make();
    fs.beginRun();
    ops[name]!(fs);
    expect(fp(fs)).not.toEqual(fresh); // the operation changed something observable
    fs.reset();
    expect(fp(fs)).toEqual(fresh);
    expect(fs.vol.changed).toBe(false);
  });

  it('every operation in one run, three times, with a reset in between', () => {
    const fs = make();
    for (let round = 0; round < 3; round++) {
      fs.beginRun();
      for (const op of ['write', 'writeBigMiddle', 'append', 'grow', 'truncate', 'link', 'unlink', 'create', 'mkdir', 'symlink', 'times', 'files', 'renameOver']) ops[op]!(fs);
      expect(fs.vol.changed).toBe(true);
      fs.reset();
      expect(fp(fs)).toEqual(fresh);
    }
  });

  it('an inode written twice in a run is saved once, as it was before the first write', () => {
    const fs = make();
    const a = fs.lookup('/data/a.txt')!;
    fs.vol.write(a, Buffer.from('1'), 0);
    fs.vol.write(a, Buffer.from('2'), 1);
    fs.vol.resize(a, 1);
    fs.reset();
    expect(Buffer.from(a.bytes).toString()).toBe('alpha');
    expect(fp(fs)).toEqual(fresh);
  });

  it('keepChanges: the run becomes the starting point and later resets return to it', () => {
    const fs = make();
    ops.create!(fs);
    ops.write!(fs);
    fs.reset(true);
    const kept = fp(fs);
    expect(kept).not.toEqual(fresh);
    expect(fs.vol.changed).toBe(false);
    ops.unlink!(fs);
    ops.grow!(fs);
    ops.mkdir!(fs);
    fs.reset();
    expect(fp(fs)).toEqual(kept);
  });

  it('quota counters come back: what fits on a fresh volume fits after any run', () => {
    const limits = { maxBytes: 200_100, maxEntries: 9, maxFileBytes: 300_000 };
    const fresh = new VirtualFs(mounts, { clock, limits });
    const reused = new VirtualFs(mounts, { clock, limits });
    ops.create!(reused);
    ops.symlink!(reused);
    expect(() => reused.vol.resize(reused.lookup('/data/a.txt')!, 90)).toThrow('insufficient-space');
    reused.reset();
    ops.unlink!(reused);
    reused.reset();
    for (const fs of [fresh, reused]) {
      fs.beginRun();
      fs.vol.write(fs.lookup('/data/a.txt')!, new Uint8Array(80), 0);
      expect(() => fs.vol.write(fs.lookup('/data/a.txt')!, new Uint8Array(100), 0)).toThrow('insufficient-space');
      fs.vol.addName();
      fs.vol.addName();
      expect(() => fs.vol.addName()).toThrow('insufficient-space');
      expect(() => fs.vol.resize(fs.lookup('/data/big.bin')!, 300_001)).toThrow('file-too-large');
    }
    expect(fp(reused)).toEqual(fp(fresh));
  });

  it('a file shares chunks with its saved version until written, and the saved version is untouched', () => {
    const fs = make();
    const b = fs.lookup('/data/big.bin')!;
    const before = b.bytes;
    fs.vol.write(b, new Uint8Array(70_000).fill(1), 60_000);
    fs.vol.write(b, new Uint8Array(10).fill(2), 199_995);
    expect(b.size).toBe(200_005);
    fs.reset();
    expect(Buffer.compare(b.bytes, before)).toBe(0);
    expect(fp(fs)).toEqual(fresh);
  });

  it('new inodes get the numbers a fresh volume gives, run after run', () => {
    const fs = make();
    const numbers = () => {
      const f = fs.vol.alloc('file');
      fs.vol.modify(fs.lookup('/data')!).entries.set('n', f);
      return f.ino;
    };
    const first = numbers();
    fs.reset();
    expect(numbers()).toBe(first);
    fs.reset();
    const other = make();
    expect((() => {
      const f: Inode = other.vol.alloc('file');
      return f.ino;
    })()).toBe(first);
  });
});
