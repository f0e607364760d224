// The dirty map's per-activation mark skip: a write does not mark its chunk
// again when the same activation marked it last. A skipped mark that was
// needed leaves the chunk unrestored, which verifyRestore and the output
// (fresh instances as the oracle) both see.
import { describe, expect, it } from 'vitest';
import { build, sameAsFresh } from './support/hostile-ops.js';

describe('per-activation mark skip', () => {
  it('first write of an activation, loops over two chunks, and writes after a call are all restored', async () => {
    const runs = await sameAsFresh(build('mark-skip'), [{}, {}, {}]);
    // The fresh oracle's own output, checked once so that a fixture that prints nothing cannot pass.
    expect(Buffer.from(runs[0]!.stdout, 'hex').toString()).toBe('c=1 a=1 b=1 d=1\n');
  });
});
