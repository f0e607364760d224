// What the rewriter learnt about a core module and what it added to it. The
// runtime needs this to wire the reserved imports and find the state exports.

/** Namespace of the imports the rewriter adds to every module with a memory. */
export const REWIND_NS = 'wasi-rewind';
/** Reserved export names. */
export const EXPORT_MEMORY = '__rewind_memory';
export const EXPORT_GLOBAL_PREFIX = '__rewind_global_';
export const EXPORT_TABLE_PREFIX = '__rewind_table_';
export const PAGE = 65536;
/** Dirty tracking granularity: 4 KiB chunks (a 64 KiB page is too coarse for small runs). */
export const CHUNK_SHIFT = 12;
export const CHUNK = 1 << CHUNK_SHIFT;
export const CHUNKS_PER_PAGE = PAGE / CHUNK;
/** The dirty map: one byte per chunk of a 4 GiB address space, in pages reserved at the top of memory. */
export const MAP_BYTES = 2 ** (32 - CHUNK_SHIFT);
export const MAP_PAGES = MAP_BYTES / PAGE;
/** Largest number of 64 KiB pages a 32-bit memory can have. */
export const MAX_PAGES = 65536;

export interface MemoryInfo {
  /** Set when the memory is imported: where from. */
  imported: { module: string; base: string } | null;
  /** Declared initial size in pages, before the reserved dirty-map page. */
  initialPages: number;
  /** Largest size the guest may grow to, in pages. */
  maxPages: number;
  /** True when stores are tracked in a dirty map kept in reserved top pages. */
  tracked: boolean;
}

export interface ModuleInfo {
  memory: MemoryInfo | null;
  /** Export names of the module's own mutable globals. */
  globals: string[];
  /** Export names of the module's own tables. */
  tables: string[];
  /** True when some instruction may change a table after instantiation. */
  mutatesTables: boolean;
}
