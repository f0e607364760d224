// A table whose maximum is its initial size can never grow, so the
// rewriter leaves its reads (call_indirect, table.get) unclamped. Reused
// runs must still equal fresh instances: grow fails, the size stays, and an
// index past the end traps with the engine's own message.
import { describe, expect, it } from 'vitest';
import { build, sameAsFresh } from './support/hostile-ops.js';

describe('fixed-size tables', () => {
  it('grow, size, reads and out-of-range calls equal fresh instances run after run', async () => {
    const runs = await sameAsFresh(build('fixed-table'), ['0', '1', '2', '1', '9', '0'].map((stdin) => ({ stdin })));
    // The oracle itself: a call through entry 1 and a trap past the end (neither can pass on empty output).
    expect(Buffer.from(runs[1]!.stdout, 'hex').toString('latin1')).toBe('\xff 2 \x00#\n');
    expect(runs[2]!.trap?.message).toMatch(/table index is out of bounds/);
  });
});
