// Stores across 4 KiB chunk and 64 KiB page boundaries, in every width,
// must be undone completely: a store starting in one chunk spills into the
// next, whose mark it does not set. Each store runs on one reused instance
// with verifyRestore (all memory compared with the snapshot after every
// reset) and on fresh instances; the next run reads the bytes back.
import { describe, it } from 'vitest';
import type { RunOptions } from '../src/index.js';
import { op, OPS, program, sameAsFresh, startBytes } from './support/hostile-ops.js';

/** [store, op of hostile-ops.wat, bytes written, static offset]. */
const STORES: [name: string, code: number, bytes: number, offset: number][] = [
  ['i32.store8', 0x01, 1, 0], ['i32.store16', 0x02, 2, 0], ['i32.store', 0x03, 4, 0], ['i64.store', 0x04, 8, 0],
  ['v128.store', 0x05, 16, 0], ['i32.store offset=4096', 0x06, 4, 4096], ['v128.store16_lane', 0x07, 2, 0], ['i64.store32', 0x08, 4, 0],
];
/** Chunk boundaries inside the guest's first page, and the page 0/1 boundary. */
const BOUNDARIES = [8192, 12288, 61440, 65536];

describe('stores across chunk and page boundaries are fully restored', () => {
  for (const [name, code, bytes, offset] of STORES) {
    it(`${name}: every start from boundary - ${bytes} to the boundary (e.g. i64.store at 8184..8192)`, async () => {
      const runs: RunOptions[] = [];
      for (const b of BOUNDARIES) {
        const readBack = () => [op(0x15, b - 16), op(0x15, b)];
        for (let at = b - bytes; at <= b; at++) {
          runs.push(program(op(code, at - offset, 0xa5a5a5a5, 0x5a5a5a5a), ...readBack()), program(...readBack()));
        }
      }
      await sameAsFresh(OPS, runs);
    });
  }

  it('every width across the boundary of two pages grown in the run (zeroed again by the restore)', async () => {
    const top = (await startBytes()) + 65536; // boundary between the two grown pages
    const read = () => [op(0x15, top - 16), op(0x15, top)];
    const runs: RunOptions[] = [];
    for (const [, code, bytes, offset] of STORES) {
      for (let at = top - bytes; at <= top; at++) {
        runs.push(program(op(0x31, 2), ...read(), op(code, at - offset, 0xa5a5a5a5, 0x5a5a5a5a), ...read()));
      }
    }
    await sameAsFresh(OPS, runs);
  });
});
