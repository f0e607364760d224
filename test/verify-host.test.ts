// verifyRestore over the WASI host (shims/host-state.ts): a reset that leaves
// host state different from the snapshot (file system tree, inode numbers,
// contents, times, volume counters; clocks, random, stdio positions; the
// native preview1 descriptor table) raises a RestoreError naming what
// differs. Each planted bug below is a reset that skips something, or a
// change made behind the journal's back between runs; the controls run the
// same programs with verifyRestore and compare every run with fresh instances.
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ReusableInstance, RestoreError, type CreateOptions, type RunOptions } from '../src/index.js';
import type { Live } from '../src/backend/live.js';
import { FdTable } from '../src/preview1/fd-table.js';
import type { WasiHost } from '../shims/host.js';
import { differential, fixture, observed } from './helpers.js';

const wasm = (name: string) => join(import.meta.dirname, 'fixtures', 'build', `${name}.wasm`);
const dirs: CreateOptions['dirs'] = { '/data': { 'in.txt': 'hello file\n', sub: { 'b.txt': 'b' } } };
const deterministic: CreateOptions = { dirs, clock: { virtual: {} }, random: { seed: 7 }, verifyRestore: true };

/** The host's private parts a planted bug reaches into. */
interface HostInside {
  clocks: { reset(): void };
  random: { reset(): void };
  cli: { begin(run: unknown): void; stdinOffset: number };
}
const hostOf = (inst: ReusableInstance) => (inst as unknown as { live: Live }).live.host;
const inside = (host: WasiHost) => host as unknown as HostInside;

/** The RestoreError the next run (its reset or its start) raises. */
async function nextRunError(inst: ReusableInstance, input: RunOptions = {}): Promise<RestoreError> {
  const e = await inst.run(input).then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(RestoreError);
  return e as RestoreError;
}

/** Runs `first`, then returns the error of the run after it. */
async function secondRunError(inst: ReusableInstance, first: RunOptions): Promise<RestoreError> {
  await inst.run(first);
  return nextRunError(inst);
}

const FS_INPUTS: RunOptions[] = [
  {},
  { args: ['append:/data/in.txt:more', 'write:/data/new.txt:abc', 'mkdir:/data/d', 'ls:/data'] },
  { args: ['rename:/data/sub/b.txt:/data/c.txt', 'link:/data/in.txt:/data/hard', 'symlink:in.txt:/data/sym', 'stat:/data/hard'] },
  { args: ['truncate:/data/in.txt:3', 'unlink:/data/sub/b.txt', 'rmdir:/data/sub', 'keep:/data/k.txt'], files: { '/data/run.txt': 'per run' } },
  { args: ['pwrite:/data/in.txt:100:x', 'cat:/data/in.txt', 'stat:/data/in.txt'] },
];

describe('verifyRestore over host state: no false alarm, every run equals a fresh instance', () => {
  it.each(['native', 'adapter'] as const)('fs-ops over a changing volume (%s preview1)', async (preview1) => {
    await differential(wasm('fs-ops'), { ...deterministic, preview1 }, FS_INPUTS, 20);
  });

  it('entropy, cat and echo: clocks, random and stdin rewound per run', async () => {
    await differential(fixture('entropy'), deterministic, [{}, { args: ['x'] }], 6);
    await differential(fixture('cat'), deterministic, [{ stdin: 'a long input\n'.repeat(50) }, { stdin: 'short' }, {}], 9);
  });

  it('an init that keeps a descriptor open: its table is every run start', async () => {
    const options: CreateOptions = { ...deterministic, init: 'fs_ops_init' };
    const inst = await ReusableInstance.create(wasm('fs-ops'), options);
    for (let k = 0; k < 4; k++) {
      const input = { args: k % 2 ? ['readkept', 'keep:/data/x.txt'] : ['readkept'] };
      const fresh = await (await ReusableInstance.create(wasm('fs-ops'), options)).run(input);
      expect(observed(await inst.run(input))).toEqual(observed(fresh));
    }
  });

  it('keepFsChanges: the file system moves on, the rest is still checked', async () => {
    const inst = await ReusableInstance.create(wasm('fs-ops'), { ...deterministic, keepFsChanges: true });
    for (let k = 0; k < 3; k++) expect((await inst.run({ args: [`append:/data/in.txt:${k}`] })).exitCode).toBe(0);
    expect(Buffer.from(hostOf(inst).fs.lookup('/data/in.txt')!.bytes).toString()).toBe('hello file\n012');
    hostOf(inst).fs.beginRun = () => {}; // the file system's virtual clock not restarted
    const e = await nextRunError(inst, { args: ['append:/data/in.txt:x'] });
    expect(e.message).toMatch(/per-run state.*fsClock: \d+, the snapshot has 0/);
  });
});

describe('verifyRestore over host state: planted reset bugs are caught', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('a volume whose journal records nothing (changes survive the rollback)', async () => {
    const inst = await ReusableInstance.create(wasm('fs-ops'), deterministic);
    const { vol } = hostOf(inst).fs;
    vol.modify = (i) => i;
    const e = await secondRunError(inst, { args: ['append:/data/in.txt:leak'] });
    expect(e.message).toMatch(/host file system differs.*\/data\/in\.txt: file .*size=15/);
  });

  it('a rollback that keeps the next inode number', async () => {
    const inst = await ReusableInstance.create(wasm('fs-ops'), deterministic);
    const { vol } = hostOf(inst).fs;
    const rollback = vol.rollback.bind(vol);
    vol.rollback = () => {
      const { nextIno } = vol.usage;
      rollback();
      (vol as unknown as { nextIno: bigint }).nextIno = nextIno;
    };
    const e = await secondRunError(inst, { args: ['write:/data/new.txt:x'] });
    expect(e.message).toMatch(/\(volume nextIno\): \d+, the snapshot has \d+/);
    // Without the check the next file would get another inode number than on a fresh instance.
  });

  it('a rollback that forgets the quota counters', async () => {
    const inst = await ReusableInstance.create(wasm('fs-ops'), deterministic);
    const { vol } = hostOf(inst).fs;
    const rollback = vol.rollback.bind(vol);
    vol.rollback = () => {
      const { bytes } = vol.usage;
      rollback();
      vol.bytes = bytes;
    };
    const e = await secondRunError(inst, { args: ['write:/data/new.txt:12345'] });
    expect(e.message).toMatch(/\(volume bytes\)/);
  });

  it.each([['atime'], ['mtime'], ['ctime']] as const)('a %s changed between runs behind the journal', async (field) => {
    const inst = await ReusableInstance.create(wasm('fs-ops'), deterministic);
    await inst.run({ args: ['cat:/data/in.txt'] });
    hostOf(inst).fs.lookup('/data/sub/b.txt')![field] += 1n;
    const e = await nextRunError(inst);
    expect(e.message).toContain(`/data/sub/b.txt: file`);
    expect(e.message).toMatch(new RegExp(`${field}=\\d+`));
  });

  it('an entry added between runs behind the journal', async () => {
    const inst = await ReusableInstance.create(wasm('fs-ops'), deterministic);
    await inst.run({});
    const host = hostOf(inst);
    host.fs.lookup('/data')!.entries.set('ghost', host.fs.lookup('/data/in.txt')!);
    const e = await nextRunError(inst);
    expect(e.message).toMatch(/\/data\/ghost: not in the snapshot/);
    expect(e.message).toMatch(/\/data: dir .*\[ghost,in\.txt,sub\]/);
  });

  it('a reset that leaves an undo entry behind', async () => {
    const inst = await ReusableInstance.create(wasm('fs-ops'), deterministic);
    const host = hostOf(inst);
    const reset = host.reset.bind(host);
    host.reset = () => {
      reset();
      host.fs.vol.modify(host.fs.lookup('/data/in.txt')!); // journaled, nothing changed yet
    };
    const e = await secondRunError(inst, {});
    expect(e.message).toMatch(/\(volume journal\): 1, the snapshot has 0/);
  });

  it('virtual clock not rewound', async () => {
    const inst = await ReusableInstance.create(fixture('entropy'), deterministic);
    inside(hostOf(inst)).clocks.reset = () => {};
    const e = await secondRunError(inst, {});
    expect(e.message).toMatch(/host per-run state differs from the snapshot at the start of a run after restore: clock: \d+, the snapshot has \d+/);
  });

  it('seeded random not rewound', async () => {
    const inst = await ReusableInstance.create(fixture('entropy'), deterministic);
    inside(hostOf(inst)).random.reset = () => {};
    const e = await secondRunError(inst, {});
    expect(e.message).toMatch(/random: \d+, the snapshot has 7\b/);
  });

  it('stdin position not rewound', async () => {
    const inst = await ReusableInstance.create(fixture('cat'), deterministic);
    const cli = inside(hostOf(inst)).cli;
    const begin = cli.begin.bind(cli);
    let offset = 0;
    cli.begin = (run) => {
      begin(run);
      cli.stdinOffset = offset;
    };
    await inst.run({ stdin: 'abc' });
    offset = 3;
    const e = await nextRunError(inst, { stdin: 'abcdef' });
    expect(e.message).toMatch(/stdinOffset: 3, the snapshot has 0/);
  });

  it('a preview1 descriptor table not rebuilt (a descriptor a run left open)', async () => {
    const rebuilt = new WeakSet<FdTable>();
    const rebuild = FdTable.prototype.rebuild;
    vi.spyOn(FdTable.prototype, 'rebuild').mockImplementation(function (this: FdTable) {
      if (rebuilt.has(this)) return;
      rebuilt.add(this);
      rebuild.call(this);
    });
    const inst = await ReusableInstance.create(wasm('fs-ops'), { ...deterministic, preview1: 'native' });
    const e = await secondRunError(inst, { args: ['keep:/data/in.txt'] });
    expect(e.message).toMatch(/host preview1 descriptor table differs .*fd 4: not in the snapshot \(now file position=0/);
  });

  it('without verifyRestore the same planted bug goes unnoticed and the run differs from a fresh one', async () => {
    const options = { ...deterministic, verifyRestore: false };
    const inst = await ReusableInstance.create(fixture('entropy'), options);
    inside(hostOf(inst)).clocks.reset = () => {};
    await inst.run({});
    const fresh = await (await ReusableInstance.create(fixture('entropy'), { ...options, strategy: 'reinstantiate' })).run({});
    expect(observed(await inst.run({}))).not.toEqual(observed(fresh));
  });
});
