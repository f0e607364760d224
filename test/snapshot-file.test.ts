// Snapshot files: save the post-init snapshot, start from it in another
// process (the init does not run again), and reject bad files clearly.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ReusableInstance, SnapshotFileError } from '../src/index.js';
import { fixture } from './helpers.js';

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
    newer.writeUInt32LE(2, 8);
    const cases: [string, string, RegExp][] = [
      ['flipped byte', write('flipped.snap', flipped), /corrupt/],
      ['truncated', write('truncated.snap', good.subarray(0, 1000)), /corrupt|truncated/],
      ['not a snapshot', write('text.snap', Buffer.from('hello world, this is not a snapshot file at all')), /not a wasi-rewind snapshot/],
      ['other format version', write('newer.snap', newer), /format 2 is not supported/],
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
