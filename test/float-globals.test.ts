// Float and vector globals keep every bit across a rewind: a signalling f32
// NaN with a payload, an f64 NaN with a sign and payload, and a v128 (which
// JavaScript cannot read at all) are restored exactly, in process and
// through a snapshot file, and compared bit for bit by verifyRestore.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReusableInstance, SnapshotFileError } from '../src/index.js';
import { build, observed, sameAsFresh } from './support/hostile-ops.js';
import { craft } from './support/snapshot-craft.js';

const FILE = build('float-globals');
const dir = mkdtempSync(join(tmpdir(), 'rewind-fglobals-'));

describe('float and vector globals', () => {
  it('reused runs print the initial bits, as fresh instances do', async () => {
    const runs = await sameAsFresh(FILE, [{}, {}, {}]);
    // The fixture prints the globals' bits; a fixture that printed nothing could not fail.
    expect(Buffer.from(runs[0]!.stdout, 'hex').toString()).toMatch(/^7fa00001 fff4000000000001 [0-9a-f]{32}\n$/);
  });

  it('a snapshot file carries the bits; out-of-range bits in a crafted file are refused', async () => {
    const snap = join(dir, 'fg.snap');
    const saver = await ReusableInstance.create(FILE);
    await saver.run({});
    await saver.saveSnapshot(snap);
    const fresh = observed(await (await ReusableInstance.create(FILE, { strategy: 'reinstantiate' })).run({}));
    const loaded = await ReusableInstance.create(FILE, { snapshotFile: snap, verifyRestore: true });
    for (let i = 0; i < 2; i++) expect(observed(await loaded.run({}))).toEqual(fresh);

    const crafted = (change: (g: { type: string; value: string }[]) => void) => {
      const path = join(dir, `crafted-${Math.random()}.snap`);
      writeFileSync(path, craft(readFileSync(snap), (j) => change(j.globals)));
      return ReusableInstance.create(FILE, { snapshotFile: path }).then(() => null, (e: unknown) => e);
    };
    const f32 = (g: { value: string }[]) => g.find((x) => x.value === String(0x7fa00001))!;
    expect(await crafted((g) => { f32(g).value = String(2 ** 32); })).toBeInstanceOf(SnapshotFileError);
    expect(await crafted((g) => { f32(g).value = '1.5'; })).toBeInstanceOf(SnapshotFileError);
    const v128 = (g: { type: string; value: string }[]) => g.find((x) => x.type === 'bigint' && BigInt(x.value) >= 1n << 64n)!;
    expect(await crafted((g) => { v128(g).value = String(1n << 128n); })).toBeInstanceOf(SnapshotFileError);
    expect(await crafted((g) => { v128(g).value = '-1'; })).toBeInstanceOf(SnapshotFileError);
  });
});
