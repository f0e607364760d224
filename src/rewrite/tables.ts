// Table virtualisation for the tables a module defines, the counterpart of
// memory-access.ts: the size the guest sees lives in a module global, so
// table.size/table.grow give the same answers run after run (a rewind puts
// the global back), and table.get/table.set/call_indirect at or beyond it
// trap as on a fresh instance ("table index is out of bounds") because the
// index is clamped to one beyond every real table. Entries between the
// snapshot size and the real size are cleared by a rewind, with an exported
// helper (a loop in wasm instead of an entry-by-entry loop of calls from JS).
//
// Imported tables (jco's shim tables, filled by active segments) are only
// read by their importers; a module writing a table it imports is rejected.
// table.fill/copy/init and elem.drop cannot be rewritten with binaryen.js
// (it exposes no accessors for them): walk.ts rejects modules using them.
import binaryen from 'binaryen';
import { UnsupportedModuleError } from '../errors.js';
import { EXPORT_TABLE_CLEAR_PREFIX, EXPORT_TABLE_PREFIX, type TableInfo } from './info.js';

const { i32, none } = binaryen;
const B = binaryen as unknown as Record<string, any>;
const TRAP_INDEX = -1;

interface Virtual { name: string; type: number; size: string; dirty: string }

export class TableRewriter {
  private readonly virtual = new Map<string, Virtual>();
  /** Filled by the caller with the export names of the state globals. */
  readonly infos: TableInfo[] = [];

  constructor(private readonly m: binaryen.Module) {
    for (let i = 0; i < m.getNumTables(); i++) {
      const ref = m.getTableByIndex(i);
      const t = binaryen.getTableInfo(ref);
      if (t.module) continue;
      const type = (binaryen as unknown as { _BinaryenTableGetType(t: number): number })._BinaryenTableGetType(ref);
      const v: Virtual = { name: t.name, type, size: `__rewind_tsize_${i}`, dirty: `__rewind_tdirty_${i}` };
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

  /** Returns the replacement for a table instruction on a virtualised table, or null. */
  rewrite(expr: number, id: number, newLocal: (type?: number) => number): number | null {
    const m = this.m;
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
        if (!v) return null;
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
        if (!v) return null;
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
