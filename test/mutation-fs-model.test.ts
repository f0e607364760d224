// What the volume's rollback relies on, checked against plain models:
// FileData (64 KiB copy-on-write chunks) must read back exactly what a flat
// byte array would hold after the same writes and truncations, and the
// version a clone was taken from (the journal's saved one; the live file
// continues as the clone) must never see a later write; the quota
// counters a rollback rewinds must equal what the tree holds (bytes of every
// linked file and symlink target, one entry per name), and the limits must
// be exact, so a reused volume accepts and refuses what a fresh one does.
import { describe, expect, it } from 'vitest';
import { FileData } from '../shims/fs/data.js';
import { Inode } from '../shims/fs/inode.js';
import { DEFAULT_LIMITS, Volume } from '../shims/fs/volume.js';
import { prng } from './helpers.js';

const CHUNK = 1 << 16;

/** What `fn` throws: the volume throws WASI error-code strings, which reach the guest as its errno. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

class Model {
  bytes = new Uint8Array(0);
  write(data: Uint8Array, pos: number) {
    if (pos + data.length > this.bytes.length) this.truncate(pos + data.length);
    this.bytes.set(data, pos);
  }
  truncate(size: number) {
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, Math.min(size, this.bytes.length)));
    this.bytes = next;
  }
}

describe('FileData against a flat byte array', () => {
  it('random writes, truncations, reads and clones across chunk boundaries', () => {
    const next = prng(11);
    let data = new FileData();
    const model = new Model();
    const clones: [FileData, Uint8Array][] = [];
    for (let step = 0; step < 400; step++) {
      const r = next() % 10;
      const pos = [0, CHUNK - 3, CHUNK, 2 * CHUNK + 5, next() % (4 * CHUNK)][next() % 5]!;
      if (r < 5) {
        const chunk = new Uint8Array(1 + (next() % (CHUNK + 10))).map(() => 1 + (next() % 255));
        data.write(chunk, pos);
        model.write(chunk, pos);
      } else if (r < 7) {
        data.truncate(pos);
        model.truncate(pos);
      } else if (r < 9) {
        const len = next() % (2 * CHUNK);
        expect(Buffer.compare(data.read(pos, len), model.bytes.subarray(pos, pos + len))).toBe(0);
        // readInto writes over whatever the buffer held (guest memory), holes as zeros.
        const into = new Uint8Array(Math.max(0, Math.min(data.size, pos + len) - pos)).fill(0xaa);
        data.readInto(pos, into);
        expect(Buffer.compare(into, model.bytes.subarray(pos, pos + len))).toBe(0);
      } else {
        clones.push([data, model.bytes.slice()]); // as Volume.modify: the saved version stays, the file goes on in a clone
        data = data.clone();
      }
      expect(data.size).toBe(model.bytes.length);
    }
    expect(Buffer.compare(data.read(0, data.size), model.bytes)).toBe(0);
    for (const [c, bytes] of clones) expect(Buffer.compare(c.read(0, c.size), bytes)).toBe(0);
  });

  it('writes to a clone leave the version it was taken from as it was', () => {
    const a = new FileData();
    a.write(new Uint8Array(3 * CHUNK).fill(7), 0);
    const b = a.clone();
    b.write(new Uint8Array(10).fill(1), CHUNK - 5);
    b.truncate(CHUNK + 2);
    b.truncate(3 * CHUNK);
    expect(a.read(0, a.size).every((x) => x === 7)).toBe(true);
    expect([...b.read(CHUNK - 6, 8)]).toEqual([7, 1, 1, 1, 1, 1, 1, 1]);
    expect(b.read(CHUNK + 2, 2 * CHUNK - 2).every((x) => x === 0)).toBe(true);
  });

  it('readInto: a hole (a write far past the end) reads as zeros over what the buffer held', () => {
    const d = new FileData();
    d.write(new Uint8Array([1, 2, 3]), 5 * CHUNK);
    const into = new Uint8Array(2 * CHUNK + 4).fill(0xaa);
    d.readInto(3 * CHUNK + 2, into.subarray(0, 2 * CHUNK + 1));
    expect(into.subarray(0, 2 * CHUNK - 2).every((x) => x === 0)).toBe(true);
    expect([...into.subarray(2 * CHUNK - 2, 2 * CHUNK + 4)]).toEqual([1, 2, 3, 0xaa, 0xaa, 0xaa]);
  });

  it('a file grown without writes reads as zeros, past its end as nothing', () => {
    const a = new FileData();
    a.truncate(CHUNK + 7);
    expect(a.read(0, CHUNK + 100)).toEqual(new Uint8Array(CHUNK + 7));
    expect(a.read(CHUNK + 7, 10).length).toBe(0);
    expect(a.read(CHUNK + 50, 10).length).toBe(0);
  });
});

describe('volume counters and limits', () => {
  /** Bytes and names the tree holds, as the counters must say. */
  function usage(vol: Volume) {
    const seen = new Set<Inode>();
    let names = 1; // the root
    let bytes = 0;
    const walk = (dir: Inode) => {
      for (const child of dir.entries.values()) {
        names++;
        if (seen.has(child)) continue;
        seen.add(child);
        bytes += child.kind === 'file' ? child.size : child.kind === 'symlink' ? child.target.length : 0;
        if (child.kind === 'dir') walk(child);
      }
    };
    walk(vol.root);
    return { bytes, entries: names };
  }
  const counters = (vol: Volume) => ({ bytes: vol.bytes, entries: vol.entries });

  it('follow every change: files, links, symlinks, growth, cuts, removals; and come back with a rollback', () => {
    let t = 0n;
    const vol = new Volume(DEFAULT_LIMITS, () => t++);
    const file = (dir: Inode, name: string, size: number) => {
      const f = vol.alloc('file');
      vol.modify(dir).entries.set(name, f);
      vol.write(f, new Uint8Array(size).fill(3), 0);
      return f;
    };
    const remove = (dir: Inode, name: string) => {
      const i = dir.entries.get(name)!;
      vol.modify(dir).entries.delete(name);
      vol.unlinked(i);
    };
    const sub = vol.alloc('dir');
    vol.modify(vol.root).entries.set('sub', sub);
    const a = file(vol.root, 'a', 100);
    file(sub, 'b', 70_000);
    vol.commit();
    const committed = usage(vol);
    expect(counters(vol)).toEqual(committed);
    const steps: (() => void)[] = [
      () => vol.write(a, new Uint8Array(10), 95), // grows by 5
      () => vol.write(a, new Uint8Array(10), 0), // inside: no growth
      () => vol.resize(a, 20),
      () => vol.resize(a, 200_000),
      () => { vol.addName(); vol.modify(a).nlink++; vol.modify(sub).entries.set('hard', a); },
      () => remove(vol.root, 'a'), // one of two links: its bytes still count
      () => { vol.charge(4); const l = vol.alloc('symlink'); l.target = 'a/bc'; vol.modify(sub).entries.set('l', l); },
      () => remove(sub, 'l'),
      () => remove(sub, 'hard'),
      () => remove(sub, 'b'),
      () => { const d = vol.alloc('dir'); vol.modify(vol.root).entries.set('d', d); },
    ];
    for (const step of steps) {
      step();
      expect(counters(vol)).toEqual(usage(vol));
    }
    vol.rollback();
    expect(counters(vol)).toEqual(committed);
    expect(usage(vol)).toEqual(committed);
  });

  it('limits are exact: up to the limit is allowed, one more is refused', () => {
    const limits = { maxBytes: 1000, maxEntries: 4, maxFileBytes: 600 };
    const vol = new Volume(limits, () => 0n);
    const f = vol.alloc('file');
    vol.root.entries.set('f', f);
    const g = vol.alloc('file');
    vol.root.entries.set('g', g);
    vol.resize(f, 600);
    expect(thrown(() => vol.resize(f, 601))).toBe('file-too-large');
    expect(thrown(() => vol.write(f, new Uint8Array(1), 600))).toBe('file-too-large');
    vol.write(g, new Uint8Array(390), 0);
    vol.charge(10); // exactly maxBytes
    expect(thrown(() => vol.charge(1))).toBe('insufficient-space');
    expect(thrown(() => vol.write(g, new Uint8Array(1), 390))).toBe('insufficient-space');
    vol.write(g, new Uint8Array(390).fill(1), 0); // rewriting in place needs no room
    vol.resize(g, 10); // a cut frees room
    vol.write(g, new Uint8Array(380), 10);
    vol.addName(); // 4 entries: the root, f, g and one more
    expect(thrown(() => vol.addName())).toBe('insufficient-space');
    expect(thrown(() => vol.alloc('dir'))).toBe('insufficient-space');
    expect(vol.bytes).toBe(1000);
  });

  it('saved inode numbers of snapshot files continue after the largest, and clear keeps only the root', () => {
    const vol = new Volume(DEFAULT_LIMITS, () => 0n);
    expect(vol.alloc('file', 10n).ino).toBe(10n);
    expect(vol.alloc('file', 4n).ino).toBe(4n);
    expect(vol.alloc('file').ino).toBe(11n);
    expect(vol.alloc('file', 12n).ino).toBe(12n); // exactly the next number
    expect(vol.alloc('file').ino).toBe(13n);
    vol.modify(vol.root).entries.set('x', vol.alloc('file'));
    vol.clear();
    expect(vol.changed).toBe(true); // the numbers moved since the (initial) mark
    expect(vol.root.entries.size).toBe(0);
    expect({ bytes: vol.bytes, entries: vol.entries }).toEqual({ bytes: 0, entries: 1 });
    expect(vol.alloc('file').ino).toBe(vol.root.ino + 1n);
    vol.commit();
    vol.rollback();
    expect(vol.root.entries.size).toBe(0);
  });

  it('stat sizes: a directory 4096, a symlink its target in UTF-8 bytes, a file its length', () => {
    const dir = new Inode(1n, 'dir', 0n);
    const link = new Inode(2n, 'symlink', 0n);
    link.target = 'é/x';
    const file = new Inode(3n, 'file', 0n);
    file.data.write(new Uint8Array(5), 2);
    expect([dir.statSize, link.statSize, file.statSize]).toEqual([4096, 4, 7]);
  });
});
