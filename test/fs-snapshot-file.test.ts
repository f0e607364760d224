// A snapshot file carries the file system exactly: contents, inode numbers
// (in build order, not name order), nanosecond timestamps, and descriptors
// the init opened; an instance started from it runs as the original does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ReusableInstance, type CreateOptions } from '../src/index.js';
import { observed } from './helpers.js';

const OPS = join(import.meta.dirname, 'fixtures', 'build', 'fs-ops.wasm');
const dir = mkdtempSync(join(tmpdir(), 'fs-snapshot-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('an instance started from a snapshot file sees the same files, inodes, times and init descriptor', async () => {
  const options: CreateOptions = {
    dirs: { '/data': { 'in.txt': 'hello', z: 'last', a: { y: 'y', b: 'b' } }, '/other': {} },
    clock: { virtual: {} },
    init: 'fs_ops_init',
    // The component path: the glue state carries the init's descriptor into the file.
    preview1: 'adapter',
  };
  const look = { args: ['readkept', 'ls:/data', 'ls:/data/a', 'stat:/data/in.txt', 'stat:/data/z', 'stat:/data/a/y', 'write:/data/new:x', 'stat:/data/new', 'ls:/other'] };
  const original = await ReusableInstance.create(OPS, options);
  const expected = observed(await original.run(look));
  const expectedFiles = original.files();
  expect(expected.stdout).toContain('readkept: [hello]');
  await original.saveSnapshot(join(dir, 'fs.snap'));
  const restored = await ReusableInstance.create(OPS, { ...options, snapshotFile: join(dir, 'fs.snap') });
  for (let k = 0; k < 3; k++) {
    expect(observed(await restored.run(look)), `run ${k}`).toEqual(expected);
    expect(restored.files()).toEqual(expectedFiles);
  }
});

it('on the native preview1 path, an init descriptor is kept across runs, and saving it is refused, typed', async () => {
  const options: CreateOptions = { dirs: { '/data': { 'in.txt': 'hello' } }, init: 'fs_ops_init' };
  const inst = await ReusableInstance.create(OPS, options);
  for (let k = 0; k < 3; k++) expect((await inst.run({ args: ['readkept'] })).stdout.toString(), `run ${k}`).toBe('readkept: [hello]\n');
  await expect(inst.saveSnapshot(join(dir, 'native.snap'))).rejects.toThrow(/init left descriptors open/);
});
