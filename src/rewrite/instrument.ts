// Rewrites one core module so its instance can be snapshotted and rewound:
//  - exports its own mutable globals, memory and tables under reserved names
//    (they are normally private, e.g. the adapter's __stack_pointer);
//  - virtualises memory.size/memory.grow against a host-owned page count, so
//    after a rewind the guest sees the snapshot's size and re-grows into pages
//    the real memory already has (wasm memory cannot shrink);
//  - marks the 4 KiB chunk of every store (and bulk write) in a dirty map kept
//    in reserved pages at the top of the memory, so a restore copies back
//    only what a run touched.
import binaryen from 'binaryen';
import { UnsupportedModuleError } from '../errors.js';
import {
  CHUNK_SHIFT, EXPORT_GLOBAL_PREFIX, EXPORT_MEMORY, EXPORT_TABLE_PREFIX, MAP_BYTES, MAP_PAGES, MAX_PAGES, REWIND_NS,
  type MemoryInfo, type ModuleInfo,
} from './info.js';
import { addInitialPages } from './memory-section.js';
import { walk } from './walk.js';

const { i32, none } = binaryen;
/** binaryen.js's per-expression classes (getters/setters) are missing from its typings. */
const B = binaryen as unknown as Record<string, any>;
const G_VPAGES = '__rewind_vpages';
const G_LIMIT = '__rewind_limit';
const G_DIRTY = '__rewind_dirty';
const F_SIZE = '__rewind_size';
const F_GROW = '__rewind_grow';
const F_MARK_RANGE = '__rewind_mark_range';
// What Node 20's V8 runs by default. Not Features.All: binaryen would then
// use newer encodings (e.g. for imports) that V8 cannot read yet.
const F = binaryen.Features;
const FEATURES = F.MVP | F.MutableGlobals | F.SignExt | F.BulkMemory | F.NontrappingFPToInt | F.SIMD128
  | F.ReferenceTypes | F.Multivalue | F.TailCall | F.ExceptionHandling | F.ExtendedConst;
const TABLE_WRITES = new Set([binaryen.TableSetId, binaryen.TableGrowId, binaryen.TableFillId, binaryen.TableCopyId, binaryen.TableInitId]);

export interface RewriteResult { bytes: Uint8Array; info: ModuleInfo }

export function rewriteModule(input: Uint8Array): RewriteResult {
  const m = binaryen.readBinary(input);
  try {
    m.setFeatures(FEATURES);
    const info: ModuleInfo = { memory: null, globals: [], tables: [], mutatesTables: false };
    exportState(m, info);
    if (m.hasMemory()) info.memory = virtualiseMemory(m);
    rewriteBodies(m, info);
    let bytes = m.emitBinary();
    if (info.memory?.tracked && !info.memory.imported) bytes = addInitialPages(bytes, MAP_PAGES);
    return { bytes, info };
  } finally {
    m.dispose();
  }
}

function exportState(m: binaryen.Module, info: ModuleInfo): void {
  for (let i = 0; i < m.getNumGlobals(); i++) {
    const g = binaryen.getGlobalInfo(m.getGlobalByIndex(i));
    if (g.module || !g.mutable) continue;
    const name = EXPORT_GLOBAL_PREFIX + i;
    m.addGlobalExport(g.name, name);
    info.globals.push(name);
  }
  for (let i = 0; i < m.getNumTables(); i++) {
    const t = binaryen.getTableInfo(m.getTableByIndex(i));
    if (t.module) continue;
    const name = EXPORT_TABLE_PREFIX + i;
    m.addTableExport(t.name, name);
    info.tables.push(name);
  }
}

function memoryName(m: binaryen.Module): string {
  // binaryen.js exposes no memory name: binaryen calls an imported memory
  // "mimport$0"; a defined one is named by its export, else "0".
  if (m.getMemoryInfo().module) return 'mimport$0';
  for (let i = 0; i < m.getNumExports(); i++) {
    const e = binaryen.getExportInfo(m.getExportByIndex(i));
    if (e.kind === binaryen.ExternalMemory) return e.value;
  }
  return '0';
}

function virtualiseMemory(m: binaryen.Module): MemoryInfo {
  const mem = m.getMemoryInfo();
  if (mem.is64) throw new UnsupportedModuleError('64-bit memories (memory64) are not supported');
  if (mem.shared) throw new UnsupportedModuleError('shared memories (threads) are not supported');
  const imported = mem.module ? { module: mem.module, base: mem.base ?? '' } : null;
  const declaredMax = mem.max ?? MAX_PAGES;
  // Pages above the guest's memory hold the dirty map; a memory whose
  // maximum leaves no room for it is restored by comparison instead.
  const tracked = imported ? true : declaredMax >= mem.initial + MAP_PAGES;
  const maxPages = tracked ? Math.min(declaredMax, MAX_PAGES) - MAP_PAGES : declaredMax;
  const name = memoryName(m);
  if (!imported) m.addMemoryExport(name, EXPORT_MEMORY);
  m.addGlobalImport(G_VPAGES, REWIND_NS, 'vpages', i32, true);
  m.addGlobalImport(G_LIMIT, REWIND_NS, 'limit', i32, true);
  m.addGlobalImport(G_DIRTY, REWIND_NS, 'dirty', i32, true);
  addSizeAndGrow(m, name, tracked);
  addMarkRange(m, name);
  return { imported, initialPages: mem.initial, maxPages, tracked };
}

function addSizeAndGrow(m: binaryen.Module, mem: string, tracked: boolean): void {
  m.addFunction(F_SIZE, none, i32, [], m.global.get(G_VPAGES, i32));
  const delta = () => m.local.get(0, i32);
  const old = () => m.local.get(1, i32);
  const next = () => m.local.get(2, i32);
  const real = () => m.local.get(3, i32);
  // Pages the real memory must have for `next` guest pages.
  const needed = () => (tracked ? m.i32.add(next(), m.i32.const(MAP_PAGES)) : next());
  const fail = m.return(m.i32.const(-1));
  // The map moves up to the new top (memory.copy is a memmove); the part of
  // its old place that the guest now owns is zeroed, as fresh pages are.
  const newBase = () => m.i32.shl(next(), m.i32.const(16));
  const oldBase = () => m.global.get(G_DIRTY, i32);
  const gap = m.i32.sub(newBase(), oldBase());
  const moveDirtyMap = tracked
    ? [
        m.memory.copy(newBase(), oldBase(), m.i32.const(MAP_BYTES), mem, mem),
        m.memory.fill(oldBase(), m.i32.const(0),
          m.select(m.i32.lt_u(gap, m.i32.const(MAP_BYTES)), gap, m.i32.const(MAP_BYTES)), mem),
        m.global.set(G_DIRTY, newBase()),
      ]
    : [];
  m.addFunction(F_GROW, i32, i32, [i32, i32, i32], m.block(null, [
    m.local.set(1, m.global.get(G_VPAGES, i32)),
    m.if(m.i32.gt_u(delta(), m.i32.sub(m.global.get(G_LIMIT, i32), old())), fail),
    m.local.set(2, m.i32.add(old(), delta())),
    m.local.set(3, m.memory.size(mem)),
    m.if(m.i32.gt_u(needed(), real()), m.block(null, [
      m.if(m.i32.eq(m.memory.grow(m.i32.sub(needed(), real()), mem), m.i32.const(-1)), m.return(m.i32.const(-1))),
      ...moveDirtyMap,
    ])),
    m.global.set(G_VPAGES, next()),
    old(),
  ], i32));
}

function addMarkRange(m: binaryen.Module, mem: string): void {
  // (dest, len): mark every chunk in [dest, dest+len); the chunk index is
  // computed in 64 bits so a range ending at 4 GiB cannot wrap.
  const dest = () => m.local.get(0, i32);
  const len = () => m.local.get(1, i32);
  const page = () => m.local.get(2, i32);
  const last = () => m.local.get(3, i32);
  const end64 = m.i64.sub(m.i64.add(m.i64.extend_u(dest()), m.i64.extend_u(len())), m.i64.const(1n as never));
  m.addFunction(F_MARK_RANGE, binaryen.createType([i32, i32]), none, [i32, i32], m.block(null, [
    m.if(m.i32.eqz(len()), m.return()),
    m.local.set(2, m.i32.shr_u(dest(), m.i32.const(CHUNK_SHIFT))),
    m.local.set(3, m.i32.wrap(m.i64.shr_u(end64, m.i64.const(BigInt(CHUNK_SHIFT) as never)))),
    m.if(m.i32.gt_u(last(), m.i32.const(MAP_BYTES - 1)), m.local.set(3, m.i32.const(MAP_BYTES - 1))),
    m.loop('mark', m.block(null, [
      m.i32.store8(0, 1, m.i32.add(m.global.get(G_DIRTY, i32), page()), m.i32.const(1), mem),
      m.local.set(2, m.i32.add(page(), m.i32.const(1))),
      m.br('mark', m.i32.le_u(page(), last())),
    ])),
  ]));
}

function rewriteBodies(m: binaryen.Module, info: ModuleInfo): void {
  const mem = info.memory ? memoryName(m) : '';
  const track = info.memory?.tracked ?? false;
  const added = new Set([F_SIZE, F_GROW, F_MARK_RANGE]);
  for (let i = 0; i < m.getNumFunctions(); i++) {
    const fn = m.getFunctionByIndex(i);
    const f = binaryen.getFunctionInfo(fn);
    if (f.module || !f.body || added.has(f.name)) continue;
    let tmp = -1;
    const addVar = () => (binaryen as unknown as { _BinaryenFunctionAddVar(f: number, t: number): number })._BinaryenFunctionAddVar(fn, i32);
    const scratch = () => (tmp >= 0 ? tmp : (tmp = addVar()));
    const markStore = (expr: number, ptr: number, setPtr: (e: number, p: number) => void, offset: number) => {
      const t = scratch();
      setPtr(expr, m.local.get(t, i32));
      const chunk = m.i32.shr_u(m.i32.add(m.local.get(t, i32), m.i32.const(offset | 0)), m.i32.const(CHUNK_SHIFT));
      const mark = m.i32.store8(0, 1, m.i32.add(m.global.get(G_DIRTY, i32), chunk), m.i32.const(1), mem);
      return m.block(null, [m.local.set(t, ptr), mark, expr], binaryen.getExpressionType(expr));
    };
    // Bulk writes: operands go to fresh locals (a nested bulk write could
    // reuse a shared one), the range is marked, then the write runs.
    const markBulk = (expr: number, cls: Record<string, (e: number, v?: number) => number>, slots: [string, string, string], len: string) => {
      const locals = slots.map((slot) => {
        const l = addVar();
        const value = cls[`get${slot}`]!(expr);
        cls[`set${slot}`]!(expr, m.local.get(l, i32));
        return { slot, l, value };
      });
      const sets = locals.map(({ l, value }) => m.local.set(l, value));
      const at = (slot: string) => m.local.get(locals.find((x) => x.slot === slot)!.l, i32);
      return m.block(null, [...sets, m.call(F_MARK_RANGE, [at('Dest'), at(len)], none), expr], none);
    };
    const body = walk(f.body, (expr, id) => {
      if (TABLE_WRITES.has(id)) info.mutatesTables = true;
      if (!info.memory) return expr;
      switch (id) {
        case binaryen.MemorySizeId: return m.call(F_SIZE, [], i32);
        case binaryen.MemoryGrowId: return m.call(F_GROW, [B.MemoryGrow.getDelta(expr)], i32);
      }
      if (!track) return expr;
      switch (id) {
        case binaryen.StoreId:
          return markStore(expr, B.Store.getPtr(expr), B.Store.setPtr, B.Store.getOffset(expr));
        case binaryen.AtomicRMWId:
          return markStore(expr, B.AtomicRMW.getPtr(expr), B.AtomicRMW.setPtr, B.AtomicRMW.getOffset(expr));
        case binaryen.AtomicCmpxchgId:
          return markStore(expr, B.AtomicCmpxchg.getPtr(expr), B.AtomicCmpxchg.setPtr, B.AtomicCmpxchg.getOffset(expr));
        case binaryen.SIMDLoadStoreLaneId:
          return B.SIMDLoadStoreLane.isStore(expr)
            ? markStore(expr, B.SIMDLoadStoreLane.getPtr(expr), B.SIMDLoadStoreLane.setPtr, B.SIMDLoadStoreLane.getOffset(expr))
            : expr;
        case binaryen.MemoryFillId:
          return markBulk(expr, B.MemoryFill, ['Dest', 'Value', 'Size'], 'Size');
        case binaryen.MemoryCopyId:
          return markBulk(expr, B.MemoryCopy, ['Dest', 'Source', 'Size'], 'Size');
        case binaryen.MemoryInitId:
          return markBulk(expr, B.MemoryInit, ['Dest', 'Offset', 'Size'], 'Size');
      }
      return expr;
    });
    if (body !== f.body) B.Function.setBody(fn, body);
  }
}
