// Bit-exact globals (src/core/global-cell.ts over the rewriter's bit
// accessors): what a snapshot saves and puts back must be the global's
// exact bits, NaN payloads and v128 lanes included, or a reused instance
// would see a value a fresh one never has. Snapshot files are checked
// against each global's type and range before anything is written.
import { parse } from '@bytecodealliance/jco';
import { describe, expect, it } from 'vitest';
import { globalCell } from '../src/core/global-cell.js';
import { EXPORT_GLOBALS_RESTORE, EXPORT_GLOBALS_SAVE } from '../src/rewrite/info.js';
import { rewriteModule } from '../src/rewrite/instrument.js';

const WAT = `(module
  (global (mut i32) (i32.const 7)) (global (mut i64) (i64.const -5))
  (global (mut f32) (f32.const nan:0x200001)) (global (mut f64) (f64.const nan:0x4000000000001))
  (global (mut v128) (v128.const i64x2 5 -1)) (global (mut funcref) (ref.null func))
  (func (export "scramble")
    (global.set 0 (i32.const 1)) (global.set 1 (i64.const 2)) (global.set 2 (f32.const 1.5))
    (global.set 3 (f64.const -0.25)) (global.set 4 (v128.const i64x2 0 0))))`;

async function instance() {
  const { bytes, info } = rewriteModule(new Uint8Array(await parse(WAT)));
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(bytes)), {});
  return { exports, cells: info.globals.map((g) => globalCell(exports, g)) };
}

describe('global cells', () => {
  it('read the exact bits of each type; putting saved values back gives a fresh instance\'s bits', async () => {
    const { exports, cells } = await instance();
    expect(cells.map((c) => c.info.type)).toEqual(['i32', 'i64', 'f32', 'f64', 'v128', 'ref']);
    const saved = cells.map((c) => c.get());
    expect(saved).toEqual([7, -5n, 0x7fa00001, 0x7ff4000000000001n, (BigInt.asUintN(64, -1n) << 64n) | 5n, null]);
    (exports.scramble as () => void)();
    expect(cells.map((c) => c.get())).not.toEqual(saved);
    cells.forEach((c, i) => c.set(saved[i]));
    const fresh = await instance();
    expect(cells.map((c) => c.get())).toEqual(fresh.cells.map((c) => c.get()));
  });

  it('the shadow copy saves and puts back every numeric global\'s exact bits in one call each way; references stay with the cells', async () => {
    const { bytes, info } = rewriteModule(new Uint8Array(await parse(WAT)));
    expect(info.shadows).toBe(true);
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(bytes)), {});
    const cells = info.globals.map((g) => globalCell(exports, g));
    const saved = cells.map((c) => c.get());
    (exports[EXPORT_GLOBALS_SAVE] as () => void)();
    (exports.scramble as () => void)();
    const [ref] = cells.slice(-1);
    const table = new WebAssembly.Table({ element: 'anyfunc', initial: 1 });
    table.set(0, exports.scramble as never);
    ref!.set(table.get(0)); // a value the copy must leave alone
    (exports[EXPORT_GLOBALS_RESTORE] as () => void)();
    expect(cells.slice(0, -1).map((c) => c.get())).toEqual(saved.slice(0, -1));
    expect(ref!.get()).toBe(exports.scramble);
    // A module without numeric globals of its own gets no copy.
    const none = rewriteModule(new Uint8Array(await parse('(module (global (mut funcref) (ref.null func)))'))).info;
    expect(none.shadows).toBe(false);
  });

  it('show: numbers as numbers, NaNs and vectors as their bits', async () => {
    const { cells } = await instance();
    const [i32, i64, f32, f64, v128, ref] = cells;
    expect(i32!.show(7)).toBe('7');
    expect(i64!.show(-5n)).toBe('-5');
    expect(f32!.show(0x7fa00001)).toBe('NaN(0x7fa00001)');
    expect(f32!.show(0x3fc00000)).toBe('1.5');
    expect(f64!.show(0x7ff4000000000001n)).toBe('NaN(0x7ff4000000000001)');
    expect(f64!.show(0xbfd0000000000000n)).toBe('-0.25');
    expect(v128!.show(5n)).toBe(`0x${'0'.repeat(31)}5`);
    expect(ref!.show(null)).toBe('null');
  });

  it('accepts: a snapshot file\'s value only when it fits the global\'s type and range', async () => {
    const { cells } = await instance();
    const [i32, i64, f32, f64, v128] = cells;
    const U64 = (1n << 64n) - 1n;
    const table: [typeof i32, (number | bigint)[], (number | bigint)[]][] = [
      [i32, [0, -1, 7], [1n]],
      [i64, [-(1n << 63n), U64, 0n], [-(1n << 63n) - 1n, U64 + 1n, 3]],
      [f32, [0, 0xffffffff, 0x7fa00001], [-1, 0x100000000, 1.5, 1n]],
      [f64, [0n, U64], [-1n, U64 + 1n, 1]],
      [v128, [0n, (1n << 128n) - 1n], [-1n, 1n << 128n, 1]],
    ];
    for (const [cell, yes, no] of table) {
      for (const v of yes) expect(cell!.accepts(v), `${cell!.info.type} ${v}`).toBe(true);
      for (const v of no) expect(cell!.accepts(v), `${cell!.info.type} ${v}`).toBe(false);
    }
  });
});
