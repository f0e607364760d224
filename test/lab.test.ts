// The reset lab's per-run state delta, on fixtures that write known places:
// what each delta says must match what the program does, and watching a
// run must not change what it computes (a fresh instance is the oracle).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Lab } from '../src/lab/lab.js';
import { ReusableInstance } from '../src/index.js';
import { fixture, observed } from './helpers.js';

const built = (name: string) => join(import.meta.dirname, 'fixtures', 'build', `${name}.wasm`);
const region = (d: Awaited<ReturnType<Lab['run']>>['delta'], name: string) => d.memories[0]!.regions.find((r) => r.name === name);

describe('reset lab deltas', () => {
  it('touch N: 16 marked chunks per page in bss; page 0 is written with its own bytes, so only pages 1.. change', async () => {
    const lab = await Lab.create(fixture('touch'));
    for (const pages of [3, 1, 5]) {
      const { delta } = await lab.run({ args: [String(pages)] });
      const bss = region(delta, 'bss')!;
      // big[p][at] += p + at (as a byte): at is a multiple of 4096, so page 0 adds 0.
      // libc's own static data (stdio buffers) shares bss: a few chunks more.
      expect(bss.chunksMarked).toBeGreaterThanOrEqual(16 * pages);
      expect(bss.chunksMarked).toBeLessThanOrEqual(16 * pages + 4);
      expect(bss.chunksChanged).toBeGreaterThanOrEqual(16 * (pages - 1));
      expect(bss.chunksChanged).toBeLessThanOrEqual(16 * (pages - 1) + 4);
      expect(delta.memories[0]!.chunksChanged).toBeLessThanOrEqual(delta.memories[0]!.chunksMarked);
      expect(delta.files).toEqual({ created: [], changed: [], removed: [] });
    }
    const deltas = lab.finish();
    expect(deltas.map((d) => d.run)).toEqual([1, 2, 3]);
    for (const d of deltas) expect(d.restore!.chunksRestored).toBeGreaterThanOrEqual(d.memories[0]!.chunksMarked);
  });

  it('memoryTracking scan: the same chunks change as with marks, and every chunk counts as marked (the restore compares them all)', async () => {
    const marks = await Lab.create(fixture('touch'));
    const scan = await Lab.create(fixture('touch'), { memoryTracking: 'scan' });
    for (const pages of [3, 1]) {
      const [a, b] = [(await marks.run({ args: [String(pages)] })).delta.memories[0]!, (await scan.run({ args: [String(pages)] })).delta.memories[0]!];
      expect(b.changed).toEqual(a.changed);
      expect(b.bytesChanged).toBe(a.bytesChanged);
      expect(b.chunksMarked).toBeGreaterThan(a.chunksMarked);
      expect(b.chunksMarked * 4096).toBeGreaterThanOrEqual(b.pagesAfterRun * 65536);
    }
  });

  it('boundsChecks real: runs after a growing run (each on a fresh instance) show the same changes as with marks', async () => {
    const marks = await Lab.create(fixture('grow'));
    const real = await Lab.create(fixture('grow'), { memoryTracking: 'scan', boundsChecks: 'real' });
    for (const mib of ['3', '1', '2']) {
      const [a, b] = [(await marks.run({ args: [mib] })).delta, (await real.run({ args: [mib] })).delta];
      expect(b.memories[0]!.changed).toEqual(a.memories[0]!.changed);
      expect(b.memories[0]!.bytesChanged).toBe(a.memories[0]!.bytesChanged);
      expect(region(b, 'grown in run')!.bytesChanged).toBe(region(a, 'grown in run')!.bytesChanged);
      expect(b.exitCode).toBe(a.exitCode);
    }
  });

  it('grow N: the pages grown in the run hold the N MiB it wrote', async () => {
    const lab = await Lab.create(fixture('grow'));
    const { delta } = await lab.run({ args: ['3'] });
    const m = delta.memories[0]!;
    expect(m.pagesAfterRun - m.snapshotPages).toBeGreaterThanOrEqual(48);
    const grown = region(delta, 'grown in run')!;
    expect(grown.start).toBe(m.snapshotPages * 65536);
    expect(grown.bytesChanged).toBeGreaterThanOrEqual(3 << 20);
    expect(grown.bytesChanged).toBeLessThan((3 << 20) + 65536);
    const small = (await lab.run({ args: ['1'] })).delta;
    expect(region(small, 'grown in run')!.bytesChanged).toBeLessThan(grown.bytesChanged / 2);
  });

  it('files: created, then changed, never removed; a file given for one run only shows up as created', async () => {
    const lab = await Lab.create(fixture('files'), { dirs: { '/data': { 'a.txt': 'x' } } });
    expect((await lab.run({ args: ['b.txt', 'hello'] })).delta.files).toEqual({ created: ['/data/b.txt'], changed: [], removed: [] });
    expect((await lab.run({ args: ['a.txt', 'more'] })).delta.files).toEqual({ created: [], changed: ['/data/a.txt'], removed: [] });
    expect((await lab.run({ files: { '/data/c.txt': 'c' } })).delta.files).toEqual({ created: ['/data/c.txt'], changed: [], removed: [] });
  });

  it('state.wat: the private global, the table slot and the grown page it sets', async () => {
    const lab = await Lab.create(built('state'));
    for (let i = 0; i < 2; i++) {
      const { delta } = await lab.run();
      expect(delta.globals).toEqual([{ name: '0.count', before: '0', after: '1' }]);
      expect(delta.tables).toEqual([{ name: '0.table 0', sizeBefore: 2, sizeAfter: 2, entriesChanged: 1 }]);
      const m = delta.memories[0]!;
      expect([m.snapshotPages, m.pagesAfterRun]).toEqual([1, 2]);
      expect(region(delta, 'data')!.bytesChanged).toBeGreaterThan(0);
      expect(region(delta, 'grown in run')!.chunksChanged).toBe(1);
    }
  });

  it('host channels: stdin bytes read, arguments and environment reads are counted per run', async () => {
    const cat = await Lab.create(fixture('cat'));
    expect((await cat.run({ stdin: 'hello world' })).delta.channels['stdin bytes read']).toBe(11);
    expect((await cat.run({ stdin: 'abc' })).delta.channels['stdin bytes read']).toBe(3);
    const echo = await Lab.create(fixture('echo'));
    const { delta } = await echo.run({ args: ['a'], env: { K: 'v' } });
    expect(delta.channels['wasi:cli/environment#getArguments']).toBeGreaterThan(0);
    expect(delta.channels['wasi:cli/environment#getEnvironment']).toBeGreaterThan(0);
    expect(delta.channels['stdin bytes read']).toBeUndefined();
  });

  it('a component: glue handles the run left open are reported', async () => {
    const lab = await Lab.create(built('handles'), { dirs: { '/d': {} } });
    const { delta } = await lab.run();
    expect(delta.glue.length).toBeGreaterThan(0);
    expect(delta.memories.length).toBeGreaterThan(0);
  });

  it('strategy reinstantiate: files and channels are still recorded, memory is not (modules are not rewritten)', async () => {
    const lab = await Lab.create(fixture('files'), { strategy: 'reinstantiate', dirs: { '/data': {} } });
    for (let i = 0; i < 2; i++) {
      const { delta } = await lab.run({ args: ['n.txt', 'x'] });
      expect(delta.files.created).toEqual(['/data/n.txt']);
      expect(delta.memories).toEqual([]);
    }
  });

  it('a trapping run: the delta names the trap; a stack overflow shows in the stack region and the stack pointer left low', async () => {
    const lab = await Lab.create(fixture('faults'));
    const { delta } = await lab.run({ args: ['stack'] });
    expect(delta.exitCode).toBeNull();
    expect(delta.trap).toBeTruthy();
    const stack = region(delta, 'stack')!;
    expect(stack.chunksChanged).toBeGreaterThanOrEqual(8); // the recursion fills most of the 64 KiB stack
    expect(delta.globals.map((g) => g.name)).toContain('0.__stack_pointer');
    const after = (await lab.run({ args: ['none'] })).delta;
    expect(after.exitCode).toBe(0);
    expect(after.globals).toEqual([]);
  });

  it('watching does not change what runs compute: outputs equal a fresh instance per run', async () => {
    const inputs = [['b.txt', 'one'], ['b.txt', 'two'], []];
    const lab = await Lab.create(fixture('files'), { dirs: { '/data': { 'a.txt': 'x' } } });
    for (const args of inputs) {
      const inst = await ReusableInstance.create(fixture('files'), { strategy: 'reinstantiate', dirs: { '/data': { 'a.txt': 'x' } } });
      const reference = observed(await inst.run({ args }));
      expect(observed((await lab.run({ args })).result)).toEqual(reference);
    }
  });
});
