// The snapshot of one instantiated component: memories, the modules' own
// mutable globals (including the rewriter's virtual table sizes and
// data-drop flags) and tables, and the glue's bindings. restore() puts all
// of them back (the host rewinds its own state: shims/host.ts reset()); memory work is proportional to the chunks a run dirtied,
// table work to the entries it added (or to the table, if it set entries).
import type { CoreLinker } from './core/linker.js';
import { RestoreError } from './errors.js';
import { EXPORT_GLOBALS_RESTORE, EXPORT_GLOBALS_SAVE } from './rewrite/info.js';
import { globalCell, type GlobalCell, type GlobalValue } from './core/global-cell.js';
import { GlueState } from './glue/state.js';
import type { GlueBindings } from './glue/patch.js';
import type { WasiHost } from '../shims/host.js';

interface Virtual { size: WebAssembly.Global; dirty: WebAssembly.Global; clear: (from: number, count: number) => void }
interface TableImage { name: string; table: WebAssembly.Table; entries: unknown[]; virtual: Virtual | null }

export class StateSnapshot {
  private readonly globals: { name: string; cell: GlobalCell; value: GlobalValue }[] = [];
  /** What restore() writes: a module's numeric globals through its shadow copy (ModuleInfo.shadows), the rest one by one. */
  private readonly copyBack: (() => unknown)[] = [];
  private readonly setOneByOne: { cell: GlobalCell; value: GlobalValue }[] = [];
  private readonly tables: TableImage[] = [];
  private readonly glue: GlueState;

  /**
   * `host`: the instance's WASI host, whose state verify() also checks (its
   * reference is taken now). `renewed`: the memories and host state already
   * hold the snapshot (renewOn), so they are not taken again.
   */
  constructor(private readonly linker: CoreLinker, private readonly bindings: GlueBindings, private readonly host?: WasiHost, renewed = false) {
    if (!renewed) {
      host?.state.mark();
      for (const m of linker.memories) m.snapshot();
    }
    // Tables only change at run time if some module has table-writing
    // instructions; otherwise their post-instantiation contents are final.
    const tablesChange = linker.instances.some((i) => i.info.mutatesTables);
    linker.instances.forEach(({ info, exports }, n) => {
      for (const g of info.globals) {
        const cell = globalCell(exports, g);
        const global = { name: `${n}.${g.name}`, cell, value: cell.get() };
        this.globals.push(global);
        if (!info.shadows || g.type === 'ref') this.setOneByOne.push(global);
      }
      if (info.shadows) {
        (exports[EXPORT_GLOBALS_SAVE] as () => void)();
        this.copyBack.push(exports[EXPORT_GLOBALS_RESTORE] as () => void);
      }
      if (!tablesChange) return;
      info.tables.forEach((name, i) => {
        const table = exports[name] as WebAssembly.Table;
        const v = info.virtualTables[i];
        const virtual = v
          ? { size: exports[v.size] as WebAssembly.Global, dirty: exports[v.dirty] as WebAssembly.Global, clear: exports[v.clear] as Virtual['clear'] }
          : null;
        const length = virtual ? (virtual.size.value as number) : table.length;
        this.tables.push({ name: `${n}.${name}`, table, virtual, entries: Array.from({ length }, (_, k) => table.get(k)) });
      });
    });
    this.glue = new GlueState(bindings);
  }

  /**
   * This snapshot on `linker`, a fresh instantiation of the same modules
   * (src/backend/renew.ts), which is rewound to it (`written`: per memory,
   * what the instantiation wrote, see TrackedMemory.adopt): its memories take this
   * snapshot's images and its numeric globals this snapshot's values. Its
   * tables and reference globals stay its own (its instantiation's, which
   * renew.ts allows only where the snapshot's cannot differ). Returns the
   * new snapshot and the number of chunks copied.
   */
  renewOn(linker: CoreLinker, written: (readonly (readonly [number, number])[] | null)[]): { snapshot: StateSnapshot; chunks: number } {
    let chunks = 0;
    linker.memories.forEach((m, i) => (chunks += m.adopt(this.linker.memories[i]!, written[i] ?? null)));
    let k = 0;
    for (const { info, exports } of linker.instances) {
      for (const g of info.globals) {
        const { value } = this.globals[k++]!;
        if (g.type !== 'ref') globalCell(exports, g).set(value);
      }
    }
    return { snapshot: new StateSnapshot(linker, this.bindings, this.host, true), chunks };
  }

  /** Returns the number of 4 KiB memory chunks copied back or zeroed. */
  restore(): number {
    let chunks = 0;
    for (const m of this.linker.memories) chunks += m.restore();
    // Before the globals: the virtual sizes and dirty flags say what a run did.
    for (const t of this.tables) restoreTable(t);
    for (const copy of this.copyBack) copy();
    for (const { cell, value } of this.setOneByOne) cell.set(value);
    this.glue.restore();
    return chunks;
  }

  /** Full check that everything the snapshot covers equals it (tests and `verifyRestore`); call after the host's reset. */
  verify(): void {
    this.host?.state.verify();
    for (const m of this.linker.memories) m.verify();
    for (const { name, cell, value } of this.globals) {
      const now = cell.get();
      if (!Object.is(now, value)) throw new RestoreError(`global ${name} is ${cell.show(now)} after restore, the snapshot has ${cell.show(value)}`);
    }
    for (const { name, table, entries, virtual } of this.tables) {
      const length = virtual ? (virtual.size.value as number) : table.length;
      if (length !== entries.length) throw new RestoreError(`table ${name} has ${length} entries after restore, the snapshot has ${entries.length}`);
      for (let i = 0; i < table.length; i++) {
        if (table.get(i) !== (i < entries.length ? entries[i] : null)) throw new RestoreError(`table ${name} entry ${i} differs from the snapshot after restore`);
      }
    }
    this.glue.verify();
  }

  /** Figures that must stay flat across runs. */
  stats() {
    return {
      memoryPages: this.linker.memories.map((m) => m.vpages.value),
      realMemoryBytes: this.linker.memories.map((m) => m.memory!.buffer.byteLength),
      glueEntries: this.glue.size(),
    };
  }
}

function restoreTable({ table, entries, virtual }: TableImage): void {
  if (virtual) {
    // Entries above the snapshot size were handed out by table.grow (set to
    // its init value) or set after it: back to null, as never-used entries are.
    const size = virtual.size.value as number;
    if (size > entries.length) virtual.clear(entries.length, size - entries.length);
    if (!virtual.dirty.value) return;
  }
  // A virtual table's entries from the snapshot size up are null at this point.
  const end = virtual ? entries.length : table.length;
  for (let i = 0; i < end; i++) {
    const v = i < entries.length ? entries[i] : null;
    if (table.get(i) !== v) table.set(i, v as never);
  }
}
