// Table virtualisation for the tables a module defines, the counterpart of
// memory-access.ts: the size the guest sees lives in a module global, so
// table.size/table.grow give the same answers run after run (a rewind puts
// the global back), and table.get/table.set/call_indirect at or beyond it
// trap as on a fresh instance ("table index is out of bounds") because the
// index is clamped to one beyond every real table. Entries between the
// snapshot size and the real size are cleared by a rewind, with an exported
// helper (a loop in wasm instead of an entry-by-entry loop of calls from JS).
//
// table.fill/copy/init keep their instruction; only a start index that
// overruns the virtual size is replaced by -1, beyond every real table, so
// the engine itself traps with the message a fresh instance gives, after the
// same checks in the same order. elem.drop only sets a per-segment flag
// global (a rewind clears it); table.init on a flagged segment sees it as
// empty, as the spec defines a dropped segment: a non-empty range has its
// source index moved past the real segment, so the engine traps for it.
//
// Imported tables (jco's shim tables, filled by active segments) are only
// read by their importers; a module writing a table it imports is rejected.
import binaryen from 'binaryen';
import { UnsupportedModuleError } from '../errors.js';
import { EXPORT_TABLE_CLEAR_PREFIX, EXPORT_TABLE_PREFIX, type TableInfo } from './info.js';
import { ElemDropId, rawAccessors, rawName, segmentNamePointer, TableCopyId, TableFillId, TableInitId, tableNamePointer } from './raw-expr.js';

const { i32, none } = binaryen;
const B = binaryen as unknown as Record<string, any>;
const TRAP_INDEX = -1;
const Fill = rawAccessors('TableFill');
const Copy = rawAccessors('TableCopy');
const Init = rawAccessors('TableInit');
const segmentLength = (ref: number): number =>
  (binaryen as unknown as { _BinaryenElementSegmentGetLength(s: number): number })._BinaryenElementSegmentGetLength(ref);

/**
 * `fixed`: the table's maximum is its initial size (what wasm-ld emits by
 * default), so no grow can ever succeed and the virtual size always equals
 * the real one: reads (call_indirect, table.get) need no clamp.
 */
interface Virtual { name: string; type: number; size: string; dirty: string; fixed: boolean }

export class TableRewriter {
  private readonly virtual = new Map<string, Virtual>();
  /** Table names by the pointer binaryen interns them at. */
  private readonly tableNames = new Map<number, string>();
  /** Element segment name pointer -> its length. */
  private readonly segments = new Map<number, number>();
  /** Element segment (name pointer) -> global holding 1 once elem.drop ran on it. */
  private readonly dropped = new Map<number, string>();
  /** Filled by the caller with the export names of the state globals. */
  readonly infos: TableInfo[] = [];

  constructor(private readonly m: binaryen.Module) {
    for (let i = 0; i < m.getNumElementSegments(); i++) {
      const ref = m.getElementSegmentByIndex(i);
      this.segments.set(segmentNamePointer(ref), segmentLength(ref));
    }
    for (let i = 0; i < m.getNumTables(); i++) {
      const ref = m.getTableByIndex(i);
      const t = binaryen.getTableInfo(ref);
      this.tableNames.set(tableNamePointer(ref), t.name);
      if (t.module) continue;
      const type = (binaryen as unknown as { _BinaryenTableGetType(t: number): number })._BinaryenTableGetType(ref);
      const v: Virtual = { name: t.name, type, size: `__rewind_tsize_${i}`, dirty: `__rewind_tdirty_${i}`, fixed: t.max === t.initial };
      m.addGlobal(v.size, i32, true, m.i32.const(t.initial));
      m.addGlobal(v.dirty, i32, true, m.i32.const(0));
      const clear = EXPORT_TABLE_CLEAR_PREFIX + i;
      const from = () => m.local.get(0, i32);
      const count = () => m.local.get(1, i32);
      m.addFunction(clear, binaryen.createType([i32, i32]), none, [i32, i32],
        fillLoop(m, t.name, from(), () => m.ref.null(type), count(), 2, 3, 'clear'));
      m.addFunctionExport(clear, clear);
      this.virtual.set(t.name, v);
      this.infos.push({ table: EXPORT_TABLE_PREFIX + i, size: v.size, dirty: v.dirty, clear });
    }
  }

  /** Internal names of the functions this rewriter added (not to be rewritten). */
  get helpers(): string[] {
    return this.infos.map((t) => t.clear);
  }

  private clampIndex(v: Virtual, index: number, tmp: number): number {
    const m = this.m;
    return m.select(
      m.i32.lt_u(m.local.get(tmp, i32), m.global.get(v.size, i32)),
      m.local.tee(tmp, index, i32),
      m.i32.const(TRAP_INDEX),
    );
  }

  /** Index `start` if [start, start + count) lies within the virtual size, else TRAP_INDEX (locals). */
  private clampRange(v: Virtual, start: number, count: number): number {
    const m = this.m;
    const [s, n, size] = [m.local.get(start, i32), m.local.get(count, i32), () => m.global.get(v.size, i32)];
    const fits = m.i32.and(m.i32.le_u(n, size()), m.i32.le_u(s, m.i32.sub(size(), m.local.get(count, i32))));
    return m.select(fits, m.local.get(start, i32), m.i32.const(TRAP_INDEX));
  }

  private table(pointer: number): string {
    const name = this.tableNames.get(pointer);
    if (name === undefined) throw new Error('rewriter: a table instruction names no table of the module');
    return name;
  }

  /** The virtualised table a write names; writes to an imported one would bypass its definer's virtual size. */
  private written(table: string): Virtual {
    const v = this.virtual.get(table);
    if (!v) throw new UnsupportedModuleError('a core module that writes to a table it imports is not supported');
    return v;
  }

  private segmentLength(segment: number): number {
    const length = this.segments.get(segment);
    if (length === undefined) throw new Error('rewriter: a table instruction names no element segment of the module');
    return length;
  }

  private droppedFlag(segment: number): string {
    this.segmentLength(segment);
    let g = this.dropped.get(segment);
    if (!g) {
      g = `__rewind_edropped_${this.dropped.size}`;
      this.m.addGlobal(g, i32, true, this.m.i32.const(0));
      this.dropped.set(segment, g);
    }
    return g;
  }

  /**
   * Evaluates the three operands into fresh locals (in order), then runs
   * `expr` on them with its start indices replaced by `starts(locals)`.
   */
  private bulk(expr: number, acc: typeof Fill, slots: [string, string, string], types: [number, number, number],
    newLocal: (type?: number) => number, dirty: string, starts: (l: number[]) => [number | null, number | null]): number {
    const m = this.m;
    const locals = types.map((t) => newLocal(t));
    const sets = slots.map((slot, k) => m.local.set(locals[k]!, acc[`get${slot}`]!(expr)));
    const [first, second] = starts(locals);
    acc[`set${slots[0]}`]!(expr, first ?? m.local.get(locals[0]!, types[0]));
    acc[`set${slots[1]}`]!(expr, second ?? m.local.get(locals[1]!, types[1]));
    acc[`set${slots[2]}`]!(expr, m.local.get(locals[2]!, types[2]));
    return m.block(null, [...sets, m.global.set(dirty, m.i32.const(1)), expr], none);
  }

  /** Returns the replacement for a table instruction on a virtualised table, or null. */
  rewrite(expr: number, id: number, newLocal: (type?: number) => number): number | null {
    const m = this.m;
    switch (id) {
      case TableFillId: {
        const v = this.written(this.table(rawName('TableFill', 'table', expr)));
        return this.bulk(expr, Fill, ['Dest', 'Value', 'Size'], [i32, v.type, i32], newLocal, v.dirty,
          ([d, , n]) => [this.clampRange(v, d!, n!), null]);
      }
      case TableCopyId: {
        const dest = this.written(this.table(rawName('TableCopy', 'destTable', expr)));
        const source = this.virtual.get(this.table(rawName('TableCopy', 'sourceTable', expr)));
        return this.bulk(expr, Copy, ['Dest', 'Source', 'Size'], [i32, i32, i32], newLocal, dest.dirty,
          ([d, s, n]) => [this.clampRange(dest, d!, n!), source ? this.clampRange(source, s!, n!) : null]);
      }
      case TableInitId: {
        const v = this.written(this.table(rawName('TableInit', 'table', expr)));
        const segment = rawName('TableInit', 'segment', expr);
        const [flag, length] = [this.droppedFlag(segment), this.segmentLength(segment)];
        // A dropped segment has length 0. Where the real one still holds
        // [s, s + n) and that range is not empty, s becomes length + 1 (no
        // u32 overflow: n <= length), so the engine reports the segment
        // bound; an overrun of the real segment, or of u32, is left as is
        // (V8 words an overflowing s + n as a table bound, fresh or not).
        const offset = (s: number, n: number) => {
          const [get, L] = [(l: number) => m.local.get(l, i32), m.i32.const(length)];
          const realFits = m.i32.and(m.i32.le_u(get(n), L), m.i32.le_u(get(s), m.i32.sub(m.i32.const(length), get(n))));
          const empty = m.i32.eqz(m.i32.or(get(s), get(n)));
          const overrun = m.i32.and(m.i32.ne(m.global.get(flag, i32), m.i32.const(0)), m.i32.and(realFits, m.i32.eqz(empty)));
          return m.select(overrun, m.i32.const(length + 1), get(s));
        };
        return this.bulk(expr, Init, ['Dest', 'Offset', 'Size'], [i32, i32, i32], newLocal, v.dirty,
          ([d, s, n]) => [this.clampRange(v, d!, n!), offset(s!, n!)]);
      }
      case ElemDropId: {
        const flag = this.droppedFlag(rawName('ElemDrop', 'segment', expr));
        return m.global.set(flag, m.i32.const(1));
      }
    }
    // Writes to an imported table would bypass its definer's virtual size.
    if (id === binaryen.TableSetId || id === binaryen.TableGrowId) {
      const table = id === binaryen.TableSetId ? B.TableSet.getTable(expr) : B.TableGrow.getTable(expr);
      if (!this.virtual.has(table)) throw new UnsupportedModuleError('a core module that writes to a table it imports is not supported');
    }
    switch (id) {
      case binaryen.TableSizeId: {
        const v = this.virtual.get(B.TableSize.getTable(expr));
        return v ? m.global.get(v.size, i32) : null;
      }
      case binaryen.TableGetId: {
        const v = this.virtual.get(B.TableGet.getTable(expr));
        if (!v || v.fixed) return null;
        B.TableGet.setIndex(expr, this.clampIndex(v, B.TableGet.getIndex(expr), newLocal()));
        return expr;
      }
      case binaryen.TableSetId: {
        const v = this.virtual.get(B.TableSet.getTable(expr));
        if (!v) return null;
        B.TableSet.setIndex(expr, this.clampIndex(v, B.TableSet.getIndex(expr), newLocal()));
        return m.block(null, [m.global.set(v.dirty, m.i32.const(1)), expr], none);
      }
      case binaryen.CallIndirectId: {
        const v = this.virtual.get(B.CallIndirect.getTable(expr));
        if (!v || v.fixed) return null;
        B.CallIndirect.setTarget(expr, this.clampIndex(v, B.CallIndirect.getTarget(expr), newLocal()));
        return expr;
      }
      case binaryen.TableGrowId: {
        const v = this.virtual.get(B.TableGrow.getTable(expr));
        return v ? this.grow(v, expr, newLocal) : null;
      }
    }
    return null;
  }

  /**
   * table.grow(init, delta) on the virtual size: the real table grows only
   * past its high-water mark; the entries handed out are set to `init`
   * (entries a rewind cleared, or fresh ones), as a fresh table's would be.
   */
  private grow(v: Virtual, expr: number, newLocal: (type?: number) => number): number {
    const m = this.m;
    const [init, delta, old, next, result] = [newLocal(v.type), newLocal(), newLocal(), newLocal(), newLocal()];
    const get = (l: number, t = i32) => m.local.get(l, t);
    const done = `__rewind_tgrow_${this.labels++}`;
    return m.block(null, [
      m.local.set(init, B.TableGrow.getValue(expr)),
      m.local.set(delta, B.TableGrow.getDelta(expr)),
      m.local.set(old, m.global.get(v.size, i32)),
      m.local.set(result, m.i32.const(-1)),
      m.block(done, [
        m.br(done, m.i32.gt_u(get(delta), m.i32.sub(m.i32.const(-1), get(old)))), // old + delta overflows
        m.local.set(next, m.i32.add(get(old), get(delta))),
        m.if(m.i32.gt_u(get(next), m.table.size(v.name)),
          m.br(done, m.i32.eq(m.table.grow(v.name, m.ref.null(v.type), m.i32.sub(get(next), m.table.size(v.name))), m.i32.const(-1)))),
        fillLoop(m, v.name, get(old), () => get(init, v.type), get(delta), newLocal(), newLocal(), `${done}_fill`),
        m.global.set(v.size, get(next)),
        m.local.set(result, get(old)),
      ]),
      get(result),
    ], i32);
  }

  private labels = 0;
}

/**
 * Sets `count` entries from `from` to `value()` (binaryen.js cannot emit
 * table.fill); `i` and `end` are two i32 locals it may use.
 */
export function fillLoop(m: binaryen.Module, table: string, from: number, value: () => number, count: number, i: number, end: number, label: string): number {
  const at = () => m.local.get(i, i32);
  return m.block(null, [
    m.local.set(i, from),
    m.local.set(end, m.i32.add(at(), count)),
    m.block(`${label}_out`, [
      m.loop(label, m.block(null, [
        m.br(`${label}_out`, m.i32.ge_u(at(), m.local.get(end, i32))),
        m.table.set(table, at(), value()),
        m.local.set(i, m.i32.add(at(), m.i32.const(1))),
        m.br(label),
      ])),
    ]),
  ]);
}
