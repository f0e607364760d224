// Runs every case in specs/conformance (the reset contract as data), and
// checks that malformed case files are refused clearly.
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../src/index.js';
import { loadCase, runCase } from '../src/conformance/runner.js';

const dir = new URL('../specs/conformance/', import.meta.url).pathname;
const cases = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('conformance cases', () => {
  it('there are cases', () => expect(cases.length).toBeGreaterThanOrEqual(7));

  it.each(cases)('%s', async (file) => {
    const failures = await runCase(await loadCase(join(dir, file)));
    expect(failures).toEqual([]);
  });

  it('a case that expects the wrong thing fails (the runner can fail)', async () => {
    const c = await loadCase(join(dir, 'statics-and-heap.json'));
    c.options = { strategy: 'none' };
    const failures = await runCase(c);
    expect(failures.length).toBeGreaterThan(0);
    expect(failures[0]).toMatch(/run 1 \(repeat 2\)/);
  });

  it('equalsFresh compares the file system too: kept changes invisible in output still fail', async () => {
    // Run 1 rewrites a.txt with the same length, so run 2 prints what a fresh
    // instance prints; only the file contents differ (keepFsChanges keeps them).
    const c = await loadCase(join(dir, 'files-rewound.json'));
    c.options = { dirs: { '/data': { 'a.txt': 'hello' } }, keepFsChanges: true };
    c.runs = [
      { input: { files: { '/data/a.txt': '11111' } }, repeat: 1, expect: { stdout: 'a.txt 5\n', equalsFresh: false, sameEveryRun: false } },
      { input: {}, repeat: 1, expect: { stdout: 'a.txt 5\n', equalsFresh: true, sameEveryRun: false } },
    ];
    expect(await runCase(c)).toEqual(['run 2: differs from a fresh instance: files /data/a.txt']);
    c.options = { dirs: { '/data': { 'a.txt': 'hello' } } }; // rewound: the same runs pass
    expect(await runCase(c)).toEqual([]);
  });

  it('malformed case files are refused with the field named', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'rewind-case-'));
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, JSON.stringify({ name: 'x', program: { fixture: 'hello' }, runs: [{ expect: { exitCode: 'zero' } }] }));
    const err = await loadCase(bad).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidOptionsError);
    expect(err.message).toMatch(/runs\.0\.expect\.exitCode/);
    writeFileSync(bad, '{ not json');
    await expect(loadCase(bad)).rejects.toThrow(/unreadable/);
  });
});
