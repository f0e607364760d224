// Snapshot files, format 3: sparse memory images, optional compression with
// a Node built-in codec, bounded decompression (a decompression bomb is a
// typed error, not an allocation), and a clear error for format 2.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionsError, ReusableInstance, SnapshotFileError } from '../src/index.js';
import { zstdAvailable } from '../src/snapshot-file/codec.js';
import { fixture, observed } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'rewind-snapz-'));
const INIT = { init: 'wizer.initialize' } as const;
const write = (name: string, bytes: Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};

/** Rebuilds a file with its header and blobs changed and a valid SHA-256: what anyone can do. */
function craft(good: Buffer, change: (json: any) => void, blobs?: Buffer, version = 3): Buffer {
  const jsonLength = good.readUInt32LE(16);
  const json = JSON.parse(good.subarray(20, 20 + jsonLength).toString());
  change(json);
  const text = Buffer.from(JSON.stringify(json));
  const head = Buffer.from(good.subarray(0, 20));
  head.writeUInt32LE(version, 8);
  head.writeUInt32LE(text.length, 16);
  const body = Buffer.concat([head, text, blobs ?? good.subarray(20 + jsonLength, good.length - 32)]);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

describe('compressed, sparse snapshot files', () => {
  const plain = join(dir, 'sieve.snap');
  let reference: ReturnType<typeof observed>;
  beforeAll(async () => {
    const inst = await ReusableInstance.create(fixture('sieve'), INIT);
    await inst.saveSnapshot(plain);
    reference = observed(await inst.run({ args: ['100000'] }));
  });

  it('stores only non-zero chunks: the file is smaller than the memory it restores', async () => {
    const good = readFileSync(plain);
    const json = JSON.parse(good.subarray(20, 20 + good.readUInt32LE(16)).toString());
    const pages = json.memories.reduce((n: number, m: { pages: number }) => n + m.pages, 0);
    expect(json.compression).toBe('none');
    expect(good.length).toBeLessThan(pages * 65536);
  });

  it('every codec round-trips: a loaded instance runs as the saving one, and restores exactly', async () => {
    const codecs = ['gzip', 'brotli', ...(zstdAvailable ? ['zstd' as const] : [])] as const;
    for (const compression of codecs) {
      const inst = await ReusableInstance.create(fixture('sieve'), INIT);
      const file = join(dir, `sieve-${compression}.snap`);
      await inst.saveSnapshot(file, { compression });
      expect(statSync(file).size, compression).toBeLessThan(statSync(plain).size);
      const loaded = await ReusableInstance.create(fixture('sieve'), { snapshotFile: file, verifyRestore: true });
      for (let k = 0; k < 2; k++) expect(observed(await loaded.run({ args: ['100000'] })), compression).toEqual(reference);
    }
  });

  it('rejects an unknown codec with InvalidOptionsError', async () => {
    const inst = await ReusableInstance.create(fixture('hello'));
    await expect(inst.saveSnapshot(join(dir, 'x.snap'), { compression: 'lz4' } as never)).rejects.toThrow(InvalidOptionsError);
  });

  it('a decompression bomb stops at the declared size, typed; a huge declared size is refused before inflating', async () => {
    const good = readFileSync(plain);
    // 1 GiB of zeros as 64 gzip members of 16 MiB (about 1 MiB on disk).
    const member = gzipSync(Buffer.alloc(16 << 20));
    const bomb = Buffer.concat(Array.from({ length: 64 }, () => member));
    const cases: [string, Buffer, RegExp][] = [
      ['bomb', craft(good, (j) => { j.compression = 'gzip'; }, bomb), /decompresses to more than the \d+ bytes its header declares/],
      ['huge declared size', craft(good, (j) => { j.compression = 'gzip'; j.blobBytes = 2 ** 45; }, bomb), /declares \d+ bytes of data, more than/],
      ['short data', craft(good, (j) => { j.compression = 'gzip'; }, gzipSync(Buffer.alloc(10))), /decompresses to fewer than/],
      ['not compressed data', craft(good, (j) => { j.compression = 'brotli'; }), /cannot be decompressed \(brotli\)/],
      ['unknown codec', craft(good, (j) => { j.compression = 'lz4'; }), /header is invalid/],
      ['overlapping chunk runs', craft(good, (j) => { j.memories[0].runs.push(j.memories[0].runs[0]); }), /overlapping or unordered chunk runs/],
      ['runs that do not match the data', craft(good, (j) => { j.memories[0].runs[0][1] += 1; }), /its runs need|unordered/],
    ];
    for (const [what, bytes, message] of cases) {
      const before = process.memoryUsage().rss;
      const err = await ReusableInstance.create(fixture('sieve'), { snapshotFile: write(`${what.replace(/\W+/g, '-')}.snap`, bytes) }).catch((e) => e);
      expect(err, what).toBeInstanceOf(SnapshotFileError);
      expect(err.message, what).toMatch(message);
      expect(process.memoryUsage().rss - before, what).toBeLessThan(256 << 20);
    }
  });

  it('a format 2 file gets a clear typed error', async () => {
    const old = write('v2.snap', craft(readFileSync(plain), () => {}, undefined, 2));
    const err = await ReusableInstance.create(fixture('sieve'), { snapshotFile: old }).catch((e) => e);
    expect(err).toBeInstanceOf(SnapshotFileError);
    expect(err.message).toMatch(/format 2 .* save the snapshot again/);
  });
});
