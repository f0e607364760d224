// The snapshot of one instantiated component: memories, the modules' own
// mutable globals and tables, and the glue's bindings. restore() puts all of
// them back; memory work is proportional to the pages a run dirtied.
import type { CoreLinker } from './core/linker.js';
import { GlueState } from './glue/state.js';
import type { GlueBindings } from './glue/patch.js';

interface TableImage { table: WebAssembly.Table; entries: unknown[] }

export class StateSnapshot {
  private readonly globals: { global: WebAssembly.Global; value: unknown }[] = [];
  private readonly tables: TableImage[] = [];
  private readonly glue: GlueState;

  constructor(private readonly linker: CoreLinker, bindings: GlueBindings) {
    for (const m of linker.memories) m.snapshot();
    for (const { info, exports } of linker.instances) {
      for (const name of info.globals) {
        const global = exports[name] as WebAssembly.Global;
        this.globals.push({ global, value: global.value });
      }
      // Tables only change at run time if some module has table-writing
      // instructions; otherwise their post-instantiation contents are final.
      if (!linker.instances.some((i) => i.info.mutatesTables)) continue;
      for (const name of info.tables) {
        const table = exports[name] as WebAssembly.Table;
        this.tables.push({ table, entries: Array.from({ length: table.length }, (_, i) => table.get(i)) });
      }
    }
    this.glue = new GlueState(bindings);
  }

  /** Returns the number of 4 KiB memory chunks copied back or zeroed. */
  restore(): number {
    let pages = 0;
    for (const m of this.linker.memories) pages += m.restore();
    for (const { global, value } of this.globals) global.value = value;
    for (const { table, entries } of this.tables) {
      for (let i = 0; i < table.length; i++) {
        const v = i < entries.length ? entries[i] : null;
        if (table.get(i) !== v) table.set(i, v as never);
      }
    }
    this.glue.restore();
    return pages;
  }

  verify(): void {
    for (const m of this.linker.memories) m.verify();
  }

  /** Figures that must stay flat across runs. */
  stats() {
    return {
      memoryPages: this.linker.memories.map((m) => m.vpages.value as number),
      realMemoryBytes: this.linker.memories.map((m) => m.memory!.buffer.byteLength),
      glueEntries: this.glue.size(),
    };
  }
}
