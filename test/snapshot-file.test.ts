// Snapshot files: save the post-init snapshot, start from it in another
// process (the init does not run again), and reject bad files clearly.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ReusableInstance, SnapshotFileError } from '../src/index.js';
import { fixture } from './helpers.js';
import { craft } from './support/snapshot-craft.js';

const dir = mkdtempSync(join(tmpdir(), 'rewind-snap-'));
const child = new URL('./support/snapshot-child.ts', import.meta.url).pathname;

function runInChild(file: string, snapshot: string, options: object, run: object) {
  const out = execFileSync(process.execPath, ['--import', 'tsx', child, file, snapshot, JSON.stringify(options), JSON.stringify(run)], { encoding: 'utf8' });
  return JSON.parse(out) as { exitCode: number; stdout: string; stderr: string; initOutput: unknown };
}

describe('snapshot files', () => {
  const sieveSnap = join(dir, 'sieve.snap');
  beforeAll(async () => {
    const inst = await ReusableInstance.create(fixture('sieve'), { init: 'wizer.initialize' });
    await inst.run({ args: ['50'] }); // saving rewinds first: this run leaves no trace
    await inst.saveSnapshot(sieveSnap);
  });

  it('a new process starts from the file: the init does not run, runs see its result', () => {
    const r = runInChild(fixture('sieve'), sieveSnap, {}, { args: ['1000000'] });
    expect(r).toEqual({ exitCode: 0, stdout: 'primes below 1000000: 78498\n', stderr: 'sieve built in this run: no\n', initOutput: null });
  });

  it('carries the file system and keeps rewinding it', async () => {
    const file = join(dir, 'files.snap');
    const inst = await ReusableInstance.create(fixture('files'), { dirs: { '/data': { 'a.txt': 'from the snapshot' } } });
    await inst.saveSnapshot(file);
    const loaded = await ReusableInstance.create(fixture('files'), { dirs: { '/data': {} }, snapshotFile: file, verifyRestore: true });
    for (let k = 0; k < 3; k++) expect((await loaded.run({ args: ['b.txt', 'xy'] })).stdout.toString()).toBe('a.txt 17\nb.txt 2\n');
    const r = runInChild(fixture('files'), file, { dirs: { '/data': {} } }, {});
    expect(r.stdout).toBe('a.txt 17\n');
  });

  it('rejects corrupt, truncated, foreign and mismatched files with SnapshotFileError', async () => {
    const good = readFileSync(sieveSnap);
    const write = (name: string, bytes: Uint8Array) => {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      return path;
    };
    const flipped = Buffer.from(good);
    flipped[Math.floor(flipped.length / 2)]! ^= 0xff;
    const newer = Buffer.from(good);
    newer.writeUInt32LE(99, 8);
    const cases: [string, string, RegExp][] = [
      ['flipped byte', write('flipped.snap', flipped), /corrupt/],
      ['truncated', write('truncated.snap', good.subarray(0, 1000)), /corrupt|truncated/],
      ['not a snapshot', write('text.snap', Buffer.from('hello world, this is not a snapshot file at all')), /not a wasi-rewind snapshot/],
      ['other format version', write('newer.snap', newer), /format 99 is not supported/],
      ['missing file', join(dir, 'nope.snap'), /cannot read snapshot file/],
    ];
    for (const [, path, message] of cases) {
      const err = await ReusableInstance.create(fixture('sieve'), { snapshotFile: path }).catch((e) => e);
      expect(err).toBeInstanceOf(SnapshotFileError);
      expect(err.message).toMatch(message);
    }
    const other = await ReusableInstance.create(fixture('hello'), { snapshotFile: sieveSnap }).catch((e) => e);
    expect(other.message).toMatch(/different component/);
  });
});

/** Rebuilds a file with its header changed and a valid SHA-256 (or HMAC with `key`): what an attacker can do. */

// The hostile cases craft glue entries: the sieve runs as a component (through
// the preview1 adapter), so its snapshot files carry jco glue state.
const GLUE = { preview1: 'adapter' } as const;

describe('hostile snapshot files', () => {
  const key = 'k'.repeat(32);
  const plain = join(dir, 'plain.snap');
  const signed = join(dir, 'signed.snap');
  const write = (name: string, bytes: Uint8Array) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
  beforeAll(async () => {
    await (await ReusableInstance.create(fixture('sieve'), GLUE)).saveSnapshot(plain);
    await (await ReusableInstance.create(fixture('sieve'), { ...GLUE, snapshotKey: key })).saveSnapshot(signed);
  });

  it('with a key: an authentic file loads; recomputed checksums, unsigned files and other keys are refused', async () => {
    const ok = await ReusableInstance.create(fixture('sieve'), { ...GLUE, snapshotFile: signed, snapshotKey: key });
    const fresh = await ReusableInstance.create(fixture('sieve'), { ...GLUE, strategy: 'reinstantiate' });
    expect((await ok.run({ args: ['1000'] })).stdout).toEqual((await fresh.run({ args: ['1000'] })).stdout);
    const forged = write('forged.snap', craft(readFileSync(signed), (j) => { j.createdAt = 'x'; }));
    const cases: [string, object, RegExp][] = [
      [forged, { snapshotKey: key }, /not authenticated, and a snapshot key was given/],
      [plain, { snapshotKey: key }, /not authenticated/],
      [signed, { snapshotKey: 'z'.repeat(32) }, /failed authentication/],
      [write('tampered.snap', craft(readFileSync(signed), (j) => { j.createdAt = 'x'; }, 'guessed-key-0123456789')), { snapshotKey: key }, /failed authentication/],
      [signed, {}, /authenticated with a key: pass the snapshot key/],
    ];
    for (const [file, options, message] of cases) {
      const err = await ReusableInstance.create(fixture('sieve'), { ...GLUE, snapshotFile: file, ...options }).catch((e) => e);
      expect(err, file).toBeInstanceOf(SnapshotFileError);
      expect(err.message).toMatch(message);
    }
  });

  it('every field is validated against limits and the instance before any allocation: typed errors only', async () => {
    const good = readFileSync(plain);
    const cases: [string, (j: any) => void, RegExp, object?][] = [
      ['2 GiB of pages past maxMemoryMiB', (j) => { j.memories[0].pages = 16384; }, /16384 pages, more than this instance's limit of 256/, { maxMemoryMiB: 16 }],
      ['pages past the memory maximum', (j) => { j.memories[0].pages = 70000; }, /header is invalid/],
      ['image larger than its pages', (j) => { j.memories[0].pages = 0; }, /image larger than its 0 pages/],
      ['fewer pages than the memory starts with', (j) => { j.memories[0].pages = 1; j.memories[0].runs = []; j.memories[0].data.length = 0; }, /has 1 pages, fewer than the memory starts with \(\d+\)/],
      ['blob out of range', (j) => { j.memories[0].data.offset = 1e12; }, /blob out of range/],
      ['global with a non-number', (j) => { j.globals[0].value = 'nope'; }, /header is invalid/],
      ['global of the wrong type', (j) => { j.globals[0].type = 'bigint'; j.globals[0].value = '1'; }, /wrong type/],
      ['i32 global with a fraction', (j) => { j.globals[0].value = '1.5'; }, /wrong type or out of range/],
      ['i32 global beyond 32 bits', (j) => { j.globals[0].value = '4294967296'; }, /wrong type or out of range/],
      ['unknown global', (j) => { j.globals[0].name = 'nope'; }, /names global nope/],
      ['glue entry of an unknown kind', (j) => { j.glue.x = { t: 'function', v: 'alert(1)' }; }, /header is invalid/],
      ['glue entry with a malformed map', (j) => { const [name] = Object.keys(j.glue); j.glue[name!] = { t: 'map', v: 'x' }; }, /header is invalid/],
      ['glue entry of the wrong kind', (j) => { const name = Object.keys(j.glue).find((n) => j.glue[n].t === 'map' || j.glue[n].t === 'array'); j.glue[name!] = { t: 'set', v: [] }; }, /wrong kind/],
      ['prototype key', (j) => { j.glue.x = JSON.parse('{"t":"object","v":{"__proto__":{"t":"value","v":1}}}'); }, /header is invalid|glue binding x/],
      ['20,000-deep nesting', (j) => { j.glue.deep = 'DEEP'; }, /nested deeper than 64 levels/],
      ['host object outside the preopens', (j) => {
        const name = Object.keys(j.glue).find((n) => j.glue[n].t === 'map')!;
        j.glue[name] = { t: 'map', v: [[{ t: 'value', v: 1 }, { t: 'host', d: { kind: 'directory', path: '/etc', root: '/etc', flags: { read: true } } }]] };
      }, /directory \/etc outside this instance's preopens/],
      ['relative file path', (j) => { j.files.push({ path: '../x', kind: 'dir', mtime: 0 }); }, /header is invalid/],
    ];
    for (const [what, change, message, options] of cases) {
      const file = write(`bad-${what.replace(/\W+/g, '-')}.snap`, craft(good, change));
      const before = process.memoryUsage().rss;
      const err = await ReusableInstance.create(fixture('sieve'), { ...GLUE, snapshotFile: file, ...options }).catch((e) => e);
      expect(err, what).toBeInstanceOf(SnapshotFileError);
      expect(err.message, what).toMatch(message);
      expect(process.memoryUsage().rss - before, what).toBeLessThan(256 << 20);
    }
  });

  it('the CLI reports a bad file in one line, without a stack trace', () => {
    const bin = new URL('../bin/rewind.js', import.meta.url).pathname;
    const file = write('cli-bad.snap', craft(readFileSync(plain), (j) => { j.globals[0].value = 'nope'; }));
    const r = spawnSync(process.execPath, [bin, 'run', fixture('sieve'), '--snapshot', file], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^rewind: SNAPSHOT_FILE: snapshot file header is invalid/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
