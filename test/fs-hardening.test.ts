// File system hardening: each hostile or mistaken input must give a WASI error
// (for the guest) or a typed RewindError (for the caller), change nothing, and
// leave later runs on a reused instance equal to a fresh instance's.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidOptionsError, ReusableInstance, type CreateOptions, type RunOptions } from '../src/index.js';
import { differential, observed } from './helpers.js';

const OPS = join(import.meta.dirname, 'fixtures', 'build', 'fs-ops.wasm');
const base: CreateOptions = {
  dirs: { '/data': { 'in.txt': 'hello', sub: { 'a.txt': 'A' } }, '/other': { 'secret.txt': 'S' } },
  clock: { virtual: {} },
  init: false,
};
const ops = (...args: string[]): RunOptions => ({ args });
const LIST = ['ls:/data', 'ls:/other', 'cat:/other/secret.txt'];

async function freshRun(options: CreateOptions, input: RunOptions) {
  const inst = await ReusableInstance.create(OPS, { ...options, strategy: 'reinstantiate' });
  const r = await inst.run(input);
  return { out: r.stdout.toString(), files: inst.files() };
}

describe('symlinks stay inside the preopen', () => {
  const escape = ops(
    'symlink:..:/data/up', 'write:/data/up/evil:x', 'rename:/data/up/other/secret.txt:/data/stolen',
    'unlink:/data/up/other/secret.txt', 'link:/data/up/other/secret.txt:/data/hard', 'cat:/data/up/other/secret.txt',
    'symlink:/other:/data/abs',
    'symlink:../other/secret.txt:/data/rel', 'cat:/data/rel', ...LIST,
  );
  const dangling = ops('symlink:nowhere:/data/dangling', 'excl:/data/dangling', ...LIST);

  it('an escaping path fails with EPERM and has no effect', async () => {
    const { out, files } = await freshRun(base, escape);
    for (const op of ['write:/data/up/evil:x', 'rename:/data/up/other/secret.txt:/data/stolen', 'unlink:/data/up/other/secret.txt',
      'link:/data/up/other/secret.txt:/data/hard', 'symlink:/other:/data/abs', 'cat:/data/rel']) {
      expect(out).toContain(`${op}: EPERM`);
    }
    expect(files).toEqual({ data: { 'in.txt': new Uint8Array(Buffer.from('hello')), sub: { 'a.txt': new Uint8Array(Buffer.from('A')) }, up: '-> ..', rel: '-> ../other/secret.txt' }, other: { 'secret.txt': new Uint8Array(Buffer.from('S')) } });
  });

  it('O_CREAT|O_EXCL on a dangling symlink is EEXIST and creates nothing', async () => {
    const { out, files } = await freshRun(base, dangling);
    expect(out).toContain('excl:/data/dangling: EEXIST');
    expect((files.data as Record<string, unknown>).nowhere).toBeUndefined();
  });

  it('reused runs equal fresh runs', async () => {
    await differential(OPS, base, [escape, dangling, ops(...LIST)], 12);
  });
});

describe('quotas', () => {
  const limits: CreateOptions = { ...base, fsLimits: { maxBytes: 1 << 20, maxFileBytes: 256 << 10, maxEntries: 12 } };
  const inputs = [
    ops('pwrite:/data/f:536870912', 'stat:/data/f', ...LIST),
    ops('truncate:/data/in.txt:536870912', 'cat:/data/in.txt'),
    ops('pwrite:/data/a:200000', 'pwrite:/data/b:200000', 'pwrite:/data/c:200000', 'pwrite:/data/d:200000', 'pwrite:/data/e:200000', 'pwrite:/data/g:200000', 'ls:/data'),
    ops('mkdir:/data/d1', 'mkdir:/data/d2', 'mkdir:/data/d3', 'mkdir:/data/d4', 'mkdir:/data/d5', 'mkdir:/data/d6', 'ls:/data'),
    ops('link:/data/in.txt:/data/l1', 'link:/data/in.txt:/data/l2', 'link:/data/in.txt:/data/l3', 'link:/data/in.txt:/data/l4',
      'link:/data/in.txt:/data/l5', 'link:/data/in.txt:/data/l6', 'stat:/data/in.txt', 'unlink:/data/l1', 'link:/data/in.txt:/data/l7'),
  ];

  it('a guest past a limit gets EFBIG or ENOSPC', async () => {
    const outs = await Promise.all(inputs.map(async (i) => (await freshRun(limits, i)).out));
    expect(outs[0]).toContain('pwrite:/data/f:536870912: EFBIG');
    expect(outs[1]).toContain('truncate:/data/in.txt:536870912: EFBIG');
    expect(outs[1]).toContain('cat:/data/in.txt: [hello]');
    expect(outs[2]).toContain('pwrite:/data/g:200000: ENOSPC');
    expect(outs[3]).toMatch(/mkdir:\/data\/d\d: ENOSPC/);
    expect(outs[4]).toContain('link:/data/in.txt:/data/l6: ENOSPC');
    expect(outs[4]).toContain('link:/data/in.txt:/data/l7: ok');
  });

  it('default limits: a 512 MiB pwrite does not allocate host memory', async () => {
    const inst = await ReusableInstance.create(OPS, { ...base });
    const before = process.memoryUsage().arrayBuffers;
    const r = await inst.run(ops('pwrite:/data/f:536870912', 'truncate:/data/in.txt:536870912'));
    expect(r.stdout.toString()).toContain('pwrite:/data/f:536870912: EFBIG');
    expect(r.stdout.toString()).toContain('truncate:/data/in.txt:536870912: EFBIG');
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 << 20);
  });

  it('reused runs equal fresh runs (usage is rewound with the files)', async () => {
    await differential(OPS, limits, inputs, 12);
  });

  it('limits are validated', async () => {
    await expect(ReusableInstance.create(OPS, { fsLimits: { maxBytes: -1 } })).rejects.toBeInstanceOf(InvalidOptionsError);
    await expect(ReusableInstance.create(OPS, { ...base, fsLimits: { maxEntries: 2 } })).rejects.toBeInstanceOf(InvalidOptionsError);
  });
});

describe('the files run option', () => {
  const poisoned = { '/data/secret': 'x', '/data/in.txt': 'POISONED', '/data/in.txt/x': 'y' };

  it('is validated before anything is written: typed error, volume unchanged', async () => {
    for (const strategy of ['snapshot', 'reinstantiate'] as const) {
      const inst = await ReusableInstance.create(OPS, { ...base, strategy });
      const before = inst.files();
      const bad: Record<string, string>[] = [poisoned, { '/nowhere/x': 'y' }, { '/data/sub': 'file over a directory' }, { '/data/../other/x': 'y' }];
      for (const files of bad) {
        await expect(inst.run({ args: ['cat:/data/in.txt'], files })).rejects.toBeInstanceOf(InvalidOptionsError);
        expect(inst.files()).toEqual(before);
      }
      const r = await inst.run(ops('cat:/data/in.txt', 'cat:/data/secret'));
      expect(observed(r)).toEqual(observed(await (await ReusableInstance.create(OPS, { ...base, strategy: 'reinstantiate' })).run(ops('cat:/data/in.txt', 'cat:/data/secret'))));
    }
  });

  it('valid files are there for one run only', async () => {
    await differential(OPS, base, [{ args: ['cat:/data/in.txt', 'cat:/data/new/x', ...LIST], files: { '/data/in.txt': 'run', '/data/new': { x: 'y' } } }, ops('cat:/data/in.txt', ...LIST)], 10);
  });
});

describe('host directories', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fs-hardening-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a missing or non-directory host dir is an InvalidOptionsError', async () => {
    writeFileSync(join(dir, 'file'), 'x');
    for (const hostDir of [join(dir, 'missing'), join(dir, 'file')]) {
      const e = await ReusableInstance.create(OPS, { dirs: { '/data': hostDir } }).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(InvalidOptionsError);
      expect((e as InvalidOptionsError).issues.join()).toContain(hostDir);
    }
  });

  it('an absolute symlink copied from the host is not followed out of the volume', async () => {
    const tree = join(dir, 'tree');
    mkdirSync(tree);
    writeFileSync(join(tree, 'in.txt'), 'hello');
    symlinkSync(tree, join(tree, 'abs'));
    symlinkSync('/etc/passwd', join(tree, 'passwd'));
    const input = ops('cat:/data/abs/in.txt', 'cat:/data/passwd', 'write:/data/abs/evil:x', 'readlink:/data/passwd', 'ls:/data');
    const { out } = await freshRun({ dirs: { '/data': tree }, init: false }, input);
    expect(out).toContain('cat:/data/abs/in.txt: EPERM');
    expect(out).toContain('cat:/data/passwd: EPERM');
    expect(out).toContain('write:/data/abs/evil:x: EPERM');
    await differential(OPS, { dirs: { '/data': tree }, init: false }, [input], 5);
  });
});

describe('reads into guest memory', () => {
  it('a file that starts with a hole reads as zeros over what the buffer held, native path as the adapter, reused as fresh', async () => {
    // cat reads into one static buffer: the first cat fills it, the second reads 70,000 bytes of hole there
    // (the native path copies straight into guest memory, the adapter through a host buffer).
    const input = ops('cat:/data/in.txt', 'pwrite:/data/z.txt:70000:y', 'cat:/data/z.txt');
    const fresh = await freshRun(base, input);
    expect(fresh.out).toBe('cat:/data/in.txt: [hello]\npwrite:/data/z.txt:70000:y: ok\ncat:/data/z.txt: []\n');
    expect((await freshRun({ ...base, preview1: 'adapter' }, input)).out).toBe(fresh.out);
    await differential(OPS, base, [input, ops('cat:/data/in.txt')], 8);
  });
});

describe('descriptors', () => {
  it('a descriptor the init opened reads the snapshot contents in every run', async () => {
    const options: CreateOptions = { ...base, init: 'fs_ops_init' };
    const inputs = [ops('readkept'), ops('write:/data/in.txt:changed', 'readkept'), ops('unlink:/data/in.txt', 'readkept', 'ls:/data'), ops('keep:/data/in.txt', 'readkept')];
    // Oracle: the first run of a new instance (the init runs only with strategy snapshot).
    const first = [];
    for (const input of inputs) {
      const inst = await ReusableInstance.create(OPS, options);
      first.push(observed(await inst.run(input)));
    }
    expect(first[0]!.stdout).toBe('readkept: [hello]\n');
    const reused = await ReusableInstance.create(OPS, options);
    for (let k = 0; k < 12; k++) expect(observed(await reused.run(inputs[(k * 7) % inputs.length]!)), `run ${k}`).toEqual(first[(k * 7) % inputs.length]);
  });

  it('tenant B sees nothing of tenant A: files, open descriptors, inode numbers', async () => {
    const tenantA = ops('write:/data/secret:A-SECRET', 'keep:/data/secret', 'keep:/data/in.txt', 'mkdir:/data/a', 'symlink:secret:/data/a/link', 'append:/data/in.txt:A');
    const tenantB = ops('ls:/data', 'cat:/data/secret', 'cat:/data/in.txt', 'stat:/data/in.txt', 'write:/data/b:B', 'stat:/data/b', 'readlink:/data/a/link');
    const fresh = await freshRun(base, tenantB);
    const inst = await ReusableInstance.create(OPS, base);
    for (let k = 0; k < 3; k++) {
      await inst.run(tenantA);
      const r = await inst.run(tenantB);
      expect(r.stdout.toString()).not.toContain('A-SECRET');
      expect(r.stdout.toString()).toBe(fresh.out);
      expect(inst.files()).toEqual(fresh.files);
    }
  });
});
