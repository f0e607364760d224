// What the rewriter learnt about a core module and what it added to it. The
// runtime needs this to wire the reserved imports and find the state exports
// (this file must not import binaryen: the runtime loads it).

/** Namespace of the imports the rewriter adds; a guest module may not import from it. */
export const REWIND_NS = 'wasi-rewind';
/** The import a module's own memory becomes (see memory-access.ts); the runtime creates it. */
export const IMPORT_MEMORY = 'memory';
/** Reserved export names. */
export const EXPORT_MEMORY = '__rewind_memory';
export const EXPORT_GLOBAL_PREFIX = '__rewind_global_';
/** Exported functions that read and write a float or vector global as integer bits. */
export const EXPORT_GLOBAL_GET_PREFIX = '__rewind_global_get_';
export const EXPORT_GLOBAL_SET_PREFIX = '__rewind_global_set_';
/** Exported functions that copy every numeric global into its shadow, and back (see ModuleInfo.shadows). */
export const EXPORT_GLOBALS_SAVE = '__rewind_globals_save';
export const EXPORT_GLOBALS_RESTORE = '__rewind_globals_restore';
export const EXPORT_TABLE_PREFIX = '__rewind_table_';
export const EXPORT_TABLE_CLEAR_PREFIX = '__rewind_table_clear_';
/** The defining module's virtual-size globals (importers get them from the linker). */
export const EXPORT_VPAGES = '__rewind_vpages';
export const EXPORT_VBYTES = '__rewind_vbytes';
export const PAGE = 65536;
/** Dirty tracking granularity: 4 KiB chunks (a 64 KiB page is too coarse for small runs). */
export const CHUNK_SHIFT = 12;
export const CHUNK = 1 << CHUNK_SHIFT;
export const CHUNKS_PER_PAGE = PAGE / CHUNK;
/**
 * The dirty map: one byte per chunk of a 4 GiB address space, in a memory of
 * its own (multi-memory) that no guest instruction names.
 */
export const MAP_BYTES = 2 ** (32 - CHUNK_SHIFT);
export const MAP_PAGES = MAP_BYTES / PAGE;
/**
 * The map byte every access that is about to trap marks (its address is
 * clamped so that it does): above every chunk a memory can have, since
 * memories are kept below 65536 pages (see MAX_PAGES).
 */
export const JUNK_CHUNK = MAP_BYTES - 1;
/**
 * Largest number of 64 KiB pages a guest memory may have: one less than the
 * 32-bit limit, so that an address clamped to the top 4 KiB (0xFFFFF000 and
 * above) is always beyond the real memory and traps.
 */
export const MAX_PAGES = 65535;

export interface MemoryInfo {
  /** Set when the memory is imported: where from. */
  imported: { module: string; base: string } | null;
  /** Declared initial size in pages. */
  initialPages: number;
  /** Largest size the guest may grow to, in pages (declared maximum, at most MAX_PAGES). */
  maxPages: number;
  /** How accesses are checked and writes found (the same for every module using the memory). */
  mode: MemoryMode;
}

/**
 * 'marks': every write marks its chunk in the dirty map and the restore
 * copies back the marked chunks (cost per write; the default). 'scan': writes
 * are not instrumented beyond the bounds check, and the restore compares the
 * memory with the snapshot (cost per byte of memory; for large store-heavy
 * guests, see specs/speed.md).
 */
export type MemoryTracking = 'marks' | 'scan';
export const memoryTrackings = ['marks', 'scan'] as const;

/**
 * 'virtual': every load and store is checked against the size the guest
 * sees, so an access beyond it traps as on a fresh instance even where an
 * earlier run grew the real memory. 'real': loads and stores are left to the
 * engine's check against the real memory (not exact: see specs/semantics.md).
 */
export type BoundsChecks = 'virtual' | 'real';
export const boundsChecks = ['virtual', 'real'] as const;

export interface MemoryMode { tracking: MemoryTracking; bounds: BoundsChecks }
export const DEFAULT_MEMORY_MODE: MemoryMode = Object.freeze({ tracking: 'marks', bounds: 'virtual' });

/** A table defined by the module, with its virtual size kept in a module global. */
export interface TableInfo {
  /** Export name of the table. */
  table: string;
  /** Export name of the i32 global holding the size the guest sees. */
  size: string;
  /** Export name of the i32 global set to 1 by any table.set (entries below the snapshot size may differ). */
  dirty: string;
  /** Export name of (from, count) -> () that sets entries to null. */
  clear: string;
}

/** Value types of a global; `ref` covers every reference type. */
export type GlobalType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128' | 'ref';

/**
 * A mutable global the snapshot covers. JavaScript cannot carry every f32 or
 * f64 bit pattern (a NaN's payload and signalling bit are lost on the way
 * through a number) nor any v128, so those are read and written as integer
 * bits through the two exported functions `bits`.
 */
export interface GlobalInfo {
  /** Export name of the global. */
  name: string;
  type: GlobalType;
  /** Export names of get () -> bits and set (bits) -> (); f32: i32, f64: i64, v128: two i64 (low, high). */
  bits?: { get: string; set: string };
}

export interface ModuleInfo {
  memory: MemoryInfo | null;
  /** The module's own mutable globals (including the rewriter's state globals). */
  globals: GlobalInfo[];
  /**
   * True when the numeric globals (every type but 'ref') have shadow globals
   * no guest code names: EXPORT_GLOBALS_SAVE copies them into their shadows
   * (at the snapshot), EXPORT_GLOBALS_RESTORE back (at every rewind), in one
   * call instead of a WebAssembly.Global write per global.
   */
  shadows: boolean;
  /** Export names of the module's own tables. */
  tables: string[];
  /** The module's own tables, virtualised (same order as `tables`). */
  virtualTables: TableInfo[];
  /** True when some instruction may change a table after instantiation. */
  mutatesTables: boolean;
}
