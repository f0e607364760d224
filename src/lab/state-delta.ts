// Globals, tables and glue bindings: a baseline taken right after
// instantiation (the state every restore returns to) and what a run left
// different from it.
import type { CoreLinker } from '../core/linker.js';
import { globalCell, type GlobalCell, type GlobalValue } from '../core/global-cell.js';
import type { GlueBindings } from '../glue/patch.js';
import { EXPORT_GLOBAL_PREFIX } from '../rewrite/info.js';

export interface ValueChange { name: string; before: string; after: string }
export interface TableChange { name: string; sizeBefore: number; sizeAfter: number; entriesChanged: number }

interface GlobalBase { name: string; cell: GlobalCell; value: GlobalValue }
interface TableBase { name: string; table: WebAssembly.Table; size: () => number; entries: unknown[] }
interface GlueBase { name: string; get: () => unknown; value: string }

export class StateBaseline {
  private readonly globals: GlobalBase[] = [];
  private readonly tables: TableBase[] = [];
  private readonly glue: GlueBase[] = [];

  /**
   * `layout`: names and global count of the module that defines memory 0;
   * its globals above the count are the rewriter's (virtual memory and table
   * sizes), reported by the memory and table deltas instead.
   */
  constructor(linker: CoreLinker, bindings: GlueBindings, layout: { globalNames: Map<number, string>; globalCount: number } | null) {
    linker.instances.forEach(({ info, exports }, n) => {
      const own = info.memory && !info.memory.imported ? layout : null;
      for (const g of info.globals) {
        const cell = globalCell(exports, g);
        const index = Number(g.name.slice(EXPORT_GLOBAL_PREFIX.length));
        if (own && index >= own.globalCount) continue;
        const name = own?.globalNames.get(index) ?? `global ${index}`;
        this.globals.push({ name: `${n}.${name}`, cell, value: cell.get() });
      }
      info.tables.forEach((exported, i) => {
        const table = exports[exported] as WebAssembly.Table;
        const v = info.virtualTables[i];
        const size = v ? () => (exports[v.size] as WebAssembly.Global).value as number : () => table.length;
        this.tables.push({ name: `${n}.table ${i}`, table, size, entries: Array.from({ length: table.length }, (_, k) => table.get(k)) });
      });
    });
    for (const [name, get] of Object.entries(bindings.get)) this.glue.push({ name, get, value: describe(get()) });
  }

  /** The global that names `name` in the memory-defining module, at the baseline. */
  globalValue(name: string): number | null {
    const g = this.globals.find((x) => x.name.endsWith(`.${name}`));
    return g && typeof g.value === 'number' ? g.value : null;
  }

  globalChanges(): ValueChange[] {
    return this.globals.map((g) => ({ g, now: g.cell.get() })).filter(({ g, now }) => !Object.is(now, g.value))
      .map(({ g, now }) => ({ name: g.name, before: g.cell.show(g.value), after: g.cell.show(now) }));
  }

  tableChanges(): TableChange[] {
    const out: TableChange[] = [];
    for (const t of this.tables) {
      let changed = 0;
      for (let k = 0; k < t.table.length; k++) if (t.table.get(k) !== (k < t.entries.length ? t.entries[k] : null)) changed++;
      const sizeAfter = t.size();
      if (changed || sizeAfter !== t.entries.length) out.push({ name: t.name, sizeBefore: t.entries.length, sizeAfter, entriesChanged: changed });
    }
    return out;
  }

  glueChanges(): ValueChange[] {
    return this.glue.map((g) => ({ name: g.name, before: g.value, after: describe(g.get()) })).filter((c) => c.before !== c.after);
  }
}

/** A binding's value as the lab reports it: containers by their entry count, primitives by value. */
function describe(v: unknown): string {
  if (v instanceof Map || v instanceof Set) return `${v.size} entries`;
  if (Array.isArray(v)) {
    const reps = (v as { _createdReps?: unknown })._createdReps;
    const open = v.filter((x) => x !== undefined && x !== null && x !== 0).length;
    return `${open} slots${reps instanceof Set ? `, ${reps.size} created reps` : ''}`;
  }
  if (v instanceof WebAssembly.Global) return String(v.value);
  if (v === null || ['number', 'bigint', 'boolean', 'string', 'undefined'].includes(typeof v)) return String(v);
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return `${Object.keys(v as object).length} keys`;
  return typeof v;
}
