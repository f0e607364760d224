// Run A plants a secret in static data, the heap, the stack and a file; run
// B, on the same instance, scans all of linear memory, reads uninitialised
// heap and stack buffers and lists the file system. It must find nothing.
import { describe, expect, it } from 'vitest';
import { ReusableInstance } from '../src/index.js';
import { fixture } from './helpers.js';

const scan = (stdout: Buffer) => /found=(\d+) memory=(\d+)/.exec(stdout.toString());

describe('leakage', () => {
  it('a kept file system keeps the secret (what a missing reset would leak)', async () => {
    const inst = await ReusableInstance.create(fixture('secret'), { dirs: { '/data': {} }, keepFsChanges: true });
    await inst.run({ args: ['plant', 'Sesame-7431'] });
    const leaky = inst.files();
    expect(Buffer.from((leaky.data as Record<string, Uint8Array>).secret!).toString()).toBe('1347-emaseS');
  });

  it('finds no trace of run A in run B, over many alternations and secrets', async () => {
    const inst = await ReusableInstance.create(fixture('secret'), { dirs: { '/data': {} }, verifyRestore: true });
    for (let k = 0; k < 25; k++) {
      const secret = `secret-${k}-${Math.random().toString(36).slice(2)}`;
      const a = await inst.run({ args: ['plant', secret] });
      expect(a.stdout.toString()).toBe('planted\n');
      const b = await inst.run({ args: ['scan', secret] });
      const m = scan(b.stdout);
      expect(m, b.stdout.toString()).not.toBeNull();
      expect(Number(m![1]), `found flags in run ${k}: 1=memory 2=heap 4=stack 8=files`).toBe(0);
      expect(Number(m![2])).toBeGreaterThan(65536);
    }
  });

  it('the scan detects a secret planted in the same run (positive controls)', async () => {
    const inst = await ReusableInstance.create(fixture('secret'), { dirs: { '/data': {} } });
    const inMemory = await inst.run({ args: ['selftest', 'abc'] });
    expect(Number(scan(inMemory.stdout)![1]) & 1).toBe(1);
    const inFile = await inst.run({ args: ['scan', 'abc'], files: { '/data/secret': 'cba' } });
    expect(Number(scan(inFile.stdout)![1]) & 8).toBe(8);
    const clean = await inst.run({ args: ['scan', 'abc'] });
    expect(Number(scan(clean.stdout)![1])).toBe(0);
  });
});
