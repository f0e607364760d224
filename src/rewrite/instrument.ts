// Rewrites one core module so its instance can be snapshotted and rewound,
// and so that no guest instruction can reach what the rewind relies on:
//  - its own mutable globals (and the rewriter's state globals), memory and
//    tables are exported under reserved names (they are normally private,
//    e.g. the adapter's __stack_pointer);
//  - its memory is virtualised (memory-access.ts): size/grow against a
//    virtual size, every access checked against it, every write marked in a
//    dirty map kept in a separate memory;
//  - its tables are virtualised likewise (tables.ts); data.drop and
//    elem.drop are recorded in globals instead of dropping, so that a rewind
//    undoes them.
// A module with more than one memory, or importing from the reserved
// namespace, is rejected (sections.ts).
import binaryen from 'binaryen';
import { InvalidWasmError, UnsupportedModuleError } from '../errors.js';
import {
  DEFAULT_MEMORY_MODE, EXPORT_GLOBAL_GET_PREFIX, EXPORT_GLOBALS_RESTORE, EXPORT_GLOBALS_SAVE, EXPORT_GLOBAL_PREFIX, EXPORT_GLOBAL_SET_PREFIX, EXPORT_MEMORY, EXPORT_TABLE_PREFIX, MAX_PAGES,
  type GlobalType, type MemoryInfo, type MemoryMode, type ModuleInfo,
} from './info.js';
import { AccessRewriter, addMemoryState, MEMORY_HELPERS } from './memory-access.js';
import { quietly } from './quiet.js';
import { reservedExports, withoutClashingNames } from './reserved-names.js';
import { checkSections } from './sections.js';
import { TableCopyId, TableFillId, TableInitId } from './raw-expr.js';
import { TableRewriter } from './tables.js';
import { walk } from './walk.js';

const { i32, i64 } = binaryen;
const B = binaryen as unknown as Record<string, any>;
// What Node 22+'s V8 runs by default. Not Features.All: binaryen would then
// use newer encodings (e.g. for imports) that V8 cannot read yet.
const F = binaryen.Features;
const FEATURES = F.MVP | F.MutableGlobals | F.SignExt | F.BulkMemory | F.NontrappingFPToInt | F.SIMD128
  | F.ReferenceTypes | F.Multivalue | F.TailCall | F.ExceptionHandling | F.ExtendedConst | F.Atomics | F.MultiMemory;
const TABLE_WRITES = new Set([binaryen.TableSetId, binaryen.TableGrowId, TableFillId, TableCopyId, TableInitId]);

export interface RewriteResult { bytes: Uint8Array; info: ModuleInfo }

export function rewriteModule(input: Uint8Array, mode: MemoryMode = DEFAULT_MEMORY_MODE): RewriteResult {
  checkSections(input);
  const m = read(input);
  try {
    m.setFeatures(FEATURES);
    reservedExports(Array.from({ length: m.getNumExports() }, (_, i) => binaryen.getExportInfo(m.getExportByIndex(i)).name));
    const info: ModuleInfo = { memory: null, globals: [], shadows: false, tables: [], virtualTables: [], mutatesTables: false };
    const mem = m.hasMemory() ? memoryName(m) : null;
    if (mem !== null) {
      info.memory = describeMemory(m, mem, mode);
      addMemoryState(m, mem, !info.memory.imported, info.memory.initialPages, mode.tracking);
      if (!info.memory.imported) m.addMemoryExport(mem, EXPORT_MEMORY);
    }
    const tables = new TableRewriter(m);
    const dropFlags = new Map<string, string>();
    const droppedData = (segment: string) => {
      let g = dropFlags.get(segment);
      if (!g) {
        g = `__rewind_dropped_${dropFlags.size}`;
        m.addGlobal(g, i32, true, m.i32.const(0));
        dropFlags.set(segment, g);
      }
      return g;
    };
    rewriteBodies(m, mem, mode, tables, droppedData, info, new Set([...MEMORY_HELPERS, ...tables.helpers]));
    const exported = exportState(m, info);
    info.virtualTables = tables.infos.map((t) => ({ ...t, size: exported.get(t.size)!, dirty: exported.get(t.dirty)! }));
    return { bytes: quietly(() => m.emitBinary()), info };
  } finally {
    m.dispose();
  }
}

function read(input: Uint8Array): binaryen.Module {
  try {
    return quietly(() => binaryen.readBinary(withoutClashingNames(input)));
  } catch (e) {
    // A module V8 accepts but binaryen cannot read (binaryen 132 loses track
    // of element segment indices after a declarative segment) is valid wasm.
    if (!WebAssembly.validate(input as Uint8Array<ArrayBuffer>)) throw new InvalidWasmError('not a valid core module', { cause: e });
    throw new UnsupportedModuleError('binaryen cannot read this core module (e.g. a declarative element segment before a segment that code names)', { cause: e });
  }
}

/** Exports the module's own mutable globals and tables; returns internal name -> export name of the globals. */
function exportState(m: binaryen.Module, info: ModuleInfo): Map<string, string> {
  const names = new Map<string, string>();
  const numeric: { name: string; type: number }[] = [];
  for (let i = 0; i < m.getNumGlobals(); i++) {
    const g = binaryen.getGlobalInfo(m.getGlobalByIndex(i));
    if (g.module || !g.mutable) continue;
    const name = EXPORT_GLOBAL_PREFIX + i;
    m.addGlobalExport(g.name, name);
    const type = globalType(g.type);
    const bits = type === 'f32' || type === 'f64' || type === 'v128' ? addBitAccess(m, g.name, type, i) : undefined;
    info.globals.push(bits ? { name, type, bits } : { name, type });
    names.set(g.name, name);
    if (type !== 'ref') numeric.push({ name: g.name, type: g.type });
  }
  info.shadows = addShadows(m, numeric);
  for (let i = 0; i < m.getNumTables(); i++) {
    const t = binaryen.getTableInfo(m.getTableByIndex(i));
    if (t.module) continue;
    const name = EXPORT_TABLE_PREFIX + i;
    m.addTableExport(t.name, name);
    info.tables.push(name);
  }
  return names;
}

/**
 * A shadow global per numeric global, added after the loop above so that it
 * is neither exported nor saved, and two exported functions copying all of
 * them one way or the other. Reference globals keep their JavaScript path: a
 * shadow of a non-nullable reference type would need a value to start with.
 */
function addShadows(m: binaryen.Module, globals: { name: string; type: number }[]): boolean {
  if (globals.length === 0) return false;
  const zero: Record<number, () => binaryen.ExpressionRef> = {
    [i32]: () => m.i32.const(0), [i64]: () => m.i64.const(0n as never), [binaryen.f32]: () => m.f32.const(0),
    [binaryen.f64]: () => m.f64.const(0), [binaryen.v128]: () => m.v128.const(new Array(16).fill(0)),
  };
  const shadow = (i: number) => `__rewind_shadow_${i}`;
  globals.forEach(({ type }, i) => m.addGlobal(shadow(i), type, true, zero[type]!()));
  const copy = (from: (i: number) => string, to: (i: number) => string) =>
    m.block(null, globals.map(({ type }, i) => m.global.set(to(i), m.global.get(from(i), type))));
  m.addFunction(EXPORT_GLOBALS_SAVE, binaryen.none, binaryen.none, [], copy((i) => globals[i]!.name, shadow));
  m.addFunction(EXPORT_GLOBALS_RESTORE, binaryen.none, binaryen.none, [], copy(shadow, (i) => globals[i]!.name));
  m.addFunctionExport(EXPORT_GLOBALS_SAVE, EXPORT_GLOBALS_SAVE);
  m.addFunctionExport(EXPORT_GLOBALS_RESTORE, EXPORT_GLOBALS_RESTORE);
  return true;
}

function globalType(t: number): GlobalType {
  const types: [number, GlobalType][] = [[i32, 'i32'], [i64, 'i64'], [binaryen.f32, 'f32'], [binaryen.f64, 'f64'], [binaryen.v128, 'v128']];
  return types.find(([id]) => id === t)?.[1] ?? 'ref';
}

/** Exported get/set functions moving a float or vector global's value as integer bits (see GlobalInfo). */
function addBitAccess(m: binaryen.Module, global: string, type: 'f32' | 'f64' | 'v128', index: number): { get: string; set: string } {
  const names = { get: EXPORT_GLOBAL_GET_PREFIX + index, set: EXPORT_GLOBAL_SET_PREFIX + index };
  const value = () => m.global.get(global, binaryen[type]);
  const { none } = binaryen;
  if (type === 'v128') {
    const pair = binaryen.createType([i64, i64]);
    m.addFunction(names.get, none, pair, [], m.tuple.make([m.i64x2.extract_lane(value(), 0), m.i64x2.extract_lane(value(), 1)]));
    m.addFunction(names.set, pair, none, [], m.global.set(global,
      m.i64x2.replace_lane(m.i64x2.splat(m.local.get(0, i64)), 1, m.local.get(1, i64))));
  } else {
    const int = type === 'f32' ? i32 : i64;
    const get = type === 'f32' ? m.i32.reinterpret(value()) : m.i64.reinterpret(value());
    const set = type === 'f32' ? m.f32.reinterpret(m.local.get(0, int)) : m.f64.reinterpret(m.local.get(0, int));
    m.addFunction(names.get, none, int, [], get);
    m.addFunction(names.set, int, none, [], m.global.set(global, set));
  }
  m.addFunctionExport(names.get, names.get);
  m.addFunctionExport(names.set, names.set);
  return names;
}

function memoryName(m: binaryen.Module): string {
  // binaryen.js exposes no memory name: binaryen calls an imported memory
  // "mimport$0"; a defined one is named by its export, else "0" (the name
  // section's memory names are dropped before reading: reserved-names.ts).
  if (m.getMemoryInfo().module) return 'mimport$0';
  for (let i = 0; i < m.getNumExports(); i++) {
    const e = binaryen.getExportInfo(m.getExportByIndex(i));
    if (e.kind === binaryen.ExternalMemory) return e.value;
  }
  return '0';
}

function describeMemory(m: binaryen.Module, name: string, mode: MemoryMode): MemoryInfo {
  const mem = m.getMemoryInfo(name);
  if (mem.is64) throw new UnsupportedModuleError('64-bit memories (memory64) are not supported');
  if (mem.shared) throw new UnsupportedModuleError('shared memories (threads) are not supported');
  if (mem.initial > MAX_PAGES) throw new UnsupportedModuleError(`a memory of ${mem.initial} pages is not supported (at most ${MAX_PAGES})`);
  const imported = mem.module ? { module: mem.module, base: mem.base ?? '' } : null;
  return { imported, initialPages: mem.initial, maxPages: Math.min(mem.max ?? MAX_PAGES, MAX_PAGES), mode };
}

function rewriteBodies(
  m: binaryen.Module, mem: string | null, mode: MemoryMode, tables: TableRewriter, droppedData: (segment: string) => string,
  info: ModuleInfo, added: Set<string>,
): void {
  for (let i = 0; i < m.getNumFunctions(); i++) {
    const fn = m.getFunctionByIndex(i);
    const f = binaryen.getFunctionInfo(fn);
    if (f.module || !f.body || added.has(f.name)) continue;
    const newLocal = (type: number = i32) =>
      (binaryen as unknown as { _BinaryenFunctionAddVar(f: number, t: number): number })._BinaryenFunctionAddVar(fn, type);
    const access = mem === null ? null : new AccessRewriter(m, mem, mode, newLocal, droppedData);
    const body = walk(f.body, (expr, id) => {
      if (TABLE_WRITES.has(id)) info.mutatesTables = true;
      return tables.rewrite(expr, id, newLocal) ?? access?.rewrite(expr, id) ?? expr;
    });
    const prologue = access?.prologue() ?? null;
    if (prologue !== null) B.Function.setBody(fn, m.block(null, [prologue, body], f.results));
    else if (body !== f.body) B.Function.setBody(fn, body);
  }
}
