// Shared snapshot images: instances of one program whose snapshots hold the
// same bytes share one read-only sparse image; what one instance writes
// never reaches it, nor the other instances.
import { describe, expect, it } from 'vitest';
import { ReusableInstance } from '../src/index.js';
import type { MemoryImage } from '../src/memory/image.js';
import { fixture, fresh, observed } from './helpers.js';

/** The instance's snapshot image of its (first) memory. */
const imageOf = (inst: ReusableInstance): MemoryImage => (inst as any).live.parts.linker.memories[0].sharedImage;
const copyOf = (image: MemoryImage) => ({ slots: Uint32Array.from(image.slots), data: Uint8Array.from(image.data) });

describe('shared snapshot images', () => {
  it('two instances share one image; one instance writing changes neither the image nor the other', async () => {
    for (const preview1 of ['native', 'adapter'] as const) {
      const a = await ReusableInstance.create(fixture('counter'), { preview1 });
      const b = await ReusableInstance.create(fixture('counter'), { preview1 });
      expect(imageOf(a)).toBe(imageOf(b));
      const before = copyOf(imageOf(a));
      const reference = (await fresh('counter', { preview1 }, {})).result;
      for (let k = 0; k < 3; k++) expect(observed(await a.run())).toEqual(reference);
      expect(observed(await b.run())).toEqual(reference);
      expect(copyOf(imageOf(a))).toEqual(before);
      // The image is sparse: zero chunks are not stored.
      expect(imageOf(a).storedChunks).toBeLessThan(imageOf(a).slots.length);
    }
  });

  it('a post-init snapshot is shared only when identical: a different init world gets its own image', async () => {
    const opts = { init: 'wizer.initialize', verifyRestore: true } as const;
    const a = await ReusableInstance.create(fixture('sieve'), opts);
    const b = await ReusableInstance.create(fixture('sieve'), opts);
    const other = await ReusableInstance.create(fixture('sieve'), { ...opts, args: ['x'], env: { A: '1' } });
    expect(imageOf(a)).toBe(imageOf(b));
    const reference = (await fresh('sieve', {}, { args: ['1000'] })).result;
    expect(observed(await a.run({ args: ['1000'] })).stdout).toEqual(reference.stdout);
    expect(observed(await b.run({ args: ['1000'] })).stdout).toEqual(reference.stdout);
    // Whether or not the args reach memory, sharing follows the bytes.
    const same = imageOf(other) === imageOf(a);
    expect(same).toBe(Buffer.compare(Buffer.from(imageOf(other).dense()), Buffer.from(imageOf(a).dense())) === 0);
  });
});
