// Memory virtualisation for one core module's guest memory:
//  - memory.size/memory.grow work on the guest's virtual size (vpages, and
//    vbytes = vpages * 64 KiB, shared by every module using the memory), so
//    after a rewind the guest sees the snapshot's size and re-grows into
//    pages the real memory already has (wasm memory cannot shrink);
//  - every access is checked against the VIRTUAL size, so nothing between
//    the virtual and the real size can be read or written. The check is a
//    branch to an access that traps (same trap, same message as on a fresh
//    instance) where the trap may come before the access's other operand is
//    evaluated without a visible difference (see `skippable`); elsewhere an
//    out-of-range address is replaced, branch-free, by one that makes the
//    original instruction trap by itself. The branch leaves the address
//    independent of the check, so the CPU need not wait for it (the sieve's
//    store loop: half the cost of the select);
//  - every write marks its 4 KiB chunk in the dirty map, a memory of its own
//    that no guest instruction names, unless the same activation marked that
//    chunk last (a local holds it): marks are only cleared between runs, never
//    while a guest function is active, so a chunk marked earlier in the
//    activation is still marked. A loop writing one chunk marks it once.
//    With tracking 'scan' nothing is marked: the restore compares the memory
//    with the snapshot instead (memory/tracked-memory.ts). With bounds 'real'
//    loads and stores are not checked (the engine checks the real size);
//    memory.fill/copy/init still are.
import binaryen from 'binaryen';
import { CHUNK_SHIFT, EXPORT_VBYTES, EXPORT_VPAGES, IMPORT_MEMORY, JUNK_CHUNK, REWIND_NS, type MemoryMode, type MemoryTracking } from './info.js';

const { i32, i64, none } = binaryen;
/** binaryen.js's per-expression classes (getters/setters) are missing from its typings. */
const B = binaryen as unknown as Record<string, any>;

export const MAP = '__rewind_map';
export const G_VPAGES = '__rewind_vpages';
export const G_VBYTES = '__rewind_vbytes';
const G_LIMIT = '__rewind_limit';
const F_SIZE = '__rewind_size';
const F_GROW = '__rewind_grow';
const F_FILL = '__rewind_fill';
const F_COPY = '__rewind_copy';
const F_MARK = '__rewind_mark_range';
export const MEMORY_HELPERS = [F_SIZE, F_GROW, F_FILL, F_COPY, F_MARK];
/** An address that is beyond every real memory (they stay below 65536 pages). */
const TRAP_ADDRESS = -1;
/** OR-ed into an out-of-range atomic's address: beyond every real memory, low bits kept. */
const ATOMIC_TRAP_BITS = 0xfffff000 | 0;

/** The numeric instructions that can trap (binaryen numbers unary and binary ops apart): float-to-int truncation, */
const TRAPPING_UNARY = new Set<number>([
  binaryen.TruncSFloat32ToInt32, binaryen.TruncSFloat32ToInt64, binaryen.TruncUFloat32ToInt32, binaryen.TruncUFloat32ToInt64,
  binaryen.TruncSFloat64ToInt32, binaryen.TruncSFloat64ToInt64, binaryen.TruncUFloat64ToInt32, binaryen.TruncUFloat64ToInt64,
]);
/** and integer division and remainder. */
const TRAPPING_BINARY = new Set<number>([
  binaryen.DivSInt32, binaryen.DivUInt32, binaryen.RemSInt32, binaryen.RemUInt32,
  binaryen.DivSInt64, binaryen.DivUInt64, binaryen.RemSInt64, binaryen.RemUInt64,
]);
/** Nodes `skippable` looks at before it gives up. */
const SKIPPABLE_BUDGET = 24;

/** Bytes accessed by SIMD loads (binaryen op -> width). */
const SIMD_LOAD_BYTES = new Map<number, number>([
  [binaryen.Load8SplatVec128, 1], [binaryen.Load16SplatVec128, 2], [binaryen.Load32SplatVec128, 4],
  [binaryen.Load64SplatVec128, 8], [binaryen.Load8x8SVec128, 8], [binaryen.Load8x8UVec128, 8],
  [binaryen.Load16x4SVec128, 8], [binaryen.Load16x4UVec128, 8], [binaryen.Load32x2SVec128, 8],
  [binaryen.Load32x2UVec128, 8], [binaryen.Load32ZeroVec128, 4], [binaryen.Load64ZeroVec128, 8],
]);
const SIMD_LANE_BYTES = new Map<number, number>([
  [binaryen.Load8LaneVec128, 1], [binaryen.Load16LaneVec128, 2], [binaryen.Load32LaneVec128, 4], [binaryen.Load64LaneVec128, 8],
  [binaryen.Store8LaneVec128, 1], [binaryen.Store16LaneVec128, 2], [binaryen.Store32LaneVec128, 4], [binaryen.Store64LaneVec128, 8],
]);

/**
 * Adds the reserved imports and helper functions. `defined`: the module
 * defines the memory, so it also defines (and exports) the size globals;
 * a module importing the memory imports them.
 */
export function addMemoryState(m: binaryen.Module, mem: string, defined: boolean, initialPages: number, tracking: MemoryTracking): void {
  // A memory the module defines becomes an import (the runtime creates it with
  // the same limits; data segments still initialise it), listed before the
  // map: so it stays memory 0, whose base V8 keeps at hand, while other
  // memories' bases are loaded per access (~8% on a load/store loop).
  if (defined) m.addMemoryImport(mem, REWIND_NS, IMPORT_MEMORY);
  m.addMemoryImport(MAP, REWIND_NS, 'map');
  if (defined) {
    m.addGlobal(G_VPAGES, i32, true, m.i32.const(initialPages));
    m.addGlobal(G_VBYTES, i64, true, m.i64.const(BigInt(initialPages) * 65536n as never));
    m.addGlobalExport(G_VPAGES, EXPORT_VPAGES);
    m.addGlobalExport(G_VBYTES, EXPORT_VBYTES);
  } else {
    m.addGlobalImport(G_VPAGES, REWIND_NS, 'vpages', i32, true);
    m.addGlobalImport(G_VBYTES, REWIND_NS, 'vbytes', i64, true);
  }
  m.addGlobalImport(G_LIMIT, REWIND_NS, 'limit', i32, false);
  addSizeAndGrow(m, mem);
  addMarkRange(m, tracking);
  addBulkHelpers(m, mem);
}

/** u64(addr) + len <= vbytes (`len` an i64): the range [addr, addr+len) is inside the guest's memory. */
function inRange(m: binaryen.Module, addr: number, len: number): number {
  return m.i64.le_u(m.i64.add(m.i64.extend_u(addr), len), m.global.get(G_VBYTES, i64));
}

function addSizeAndGrow(m: binaryen.Module, mem: string): void {
  m.addFunction(F_SIZE, none, i32, [], m.global.get(G_VPAGES, i32));
  const delta = () => m.local.get(0, i32);
  const old = () => m.local.get(1, i32);
  const next = () => m.local.get(2, i32);
  const real = () => m.local.get(3, i32);
  const fail = m.return(m.i32.const(-1));
  m.addFunction(F_GROW, i32, i32, [i32, i32, i32], m.block(null, [
    m.local.set(1, m.global.get(G_VPAGES, i32)),
    m.if(m.i32.gt_u(delta(), m.i32.sub(m.global.get(G_LIMIT, i32), old())), fail),
    m.local.set(2, m.i32.add(old(), delta())),
    m.local.set(3, m.memory.size(mem)),
    m.if(m.i32.gt_u(next(), real()),
      m.if(m.i32.eq(m.memory.grow(m.i32.sub(next(), real()), mem), m.i32.const(-1)), fail)),
    m.global.set(G_VPAGES, next()),
    m.global.set(G_VBYTES, m.i64.shl(m.i64.extend_u(next()), m.i64.const(16n as never))),
    old(),
  ], i32));
}

function addMarkRange(m: binaryen.Module, tracking: MemoryTracking): void {
  if (tracking === 'scan') {
    m.addFunction(F_MARK, binaryen.createType([i32, i32]), none, [], m.nop());
    return;
  }
  // (dest, len) of an in-range write: mark the chunks of [dest, dest+len).
  // dest + len <= vbytes < 4 GiB, so nothing wraps.
  const dest = () => m.local.get(0, i32);
  const len = () => m.local.get(1, i32);
  const first = m.i32.shr_u(dest(), m.i32.const(CHUNK_SHIFT));
  const last = m.i32.shr_u(m.i32.sub(m.i32.add(dest(), len()), m.i32.const(1)), m.i32.const(CHUNK_SHIFT));
  m.addFunction(F_MARK, binaryen.createType([i32, i32]), none, [], m.if(len(),
    m.memory.fill(first, m.i32.const(1), m.i32.add(m.i32.sub(last, m.i32.shr_u(dest(), m.i32.const(CHUNK_SHIFT))), m.i32.const(1)), MAP)));
}

function addBulkHelpers(m: binaryen.Module, mem: string): void {
  const a = () => m.local.get(0, i32);
  const b = () => m.local.get(1, i32);
  const n = () => m.local.get(2, i32);
  const params = binaryen.createType([i32, i32, i32]);
  // memory.fill(dest, value, n): an out-of-range dest becomes TRAP_ADDRESS.
  m.addFunction(F_FILL, params, none, [], m.block(null, [
    m.if(inRange(m, a(), m.i64.extend_u(n())), m.call(F_MARK, [a(), n()], none), m.local.set(0, m.i32.const(TRAP_ADDRESS))),
    m.memory.fill(a(), b(), n(), mem),
  ]));
  // memory.copy(dest, src, n): either side out of range makes the copy trap.
  m.addFunction(F_COPY, params, none, [], m.block(null, [
    m.if(m.i32.eqz(inRange(m, b(), m.i64.extend_u(n()))), m.local.set(1, m.i32.const(TRAP_ADDRESS))),
    m.if(inRange(m, a(), m.i64.extend_u(n())), m.call(F_MARK, [a(), n()], none), m.local.set(0, m.i32.const(TRAP_ADDRESS))),
    m.memory.copy(a(), b(), n(), mem, mem),
  ]));
}

/** A memory instruction's static offset, unsigned (binaryen.js returns offsets of 2 GiB and more as negative numbers). */
function offsetOf(expr: number, cls: any): number {
  return ((cls.getOffset?.(expr) as number | undefined) ?? 0) >>> 0;
}

/** Per-function rewriting of memory instructions. */
export class AccessRewriter {
  constructor(
    private readonly m: binaryen.Module,
    private readonly mem: string,
    private readonly mode: MemoryMode,
    private readonly newLocal: () => number,
    /** Global holding 1 once a passive data segment was "dropped" (see tables.ts), by segment name. */
    private readonly droppedData: (segment: string) => string,
  ) {}

  private scratch = -1;
  private tmp(): number {
    return this.scratch >= 0 ? this.scratch : (this.scratch = this.newLocal());
  }

  /** The chunk of the write being marked, and the chunk this activation marked last (-1: none yet). */
  private chunkLocal = -1;
  private lastMarked = -1;

  /** What the function must run first (the "none marked yet" value), or null when it has no write. */
  prologue(): number | null {
    return this.lastMarked < 0 ? null : this.m.local.set(this.lastMarked, this.m.i32.const(-1));
  }

  /** Marks `chunk` in the map unless it is the chunk this activation marked last. */
  private mark(chunk: number): number {
    const m = this.m;
    if (this.chunkLocal < 0) [this.chunkLocal, this.lastMarked] = [this.newLocal(), this.newLocal()];
    const [c, last] = [this.chunkLocal, this.lastMarked];
    return m.block(null, [
      m.local.set(c, chunk),
      m.if(m.i32.ne(m.local.get(c, i32), m.local.get(last, i32)), m.block(null, [
        m.i32.store8(0, 1, m.local.get(c, i32), m.i32.const(1), MAP),
        m.local.set(last, m.local.get(c, i32)),
      ])),
    ]);
  }

  /**
   * `ptr` clamped: itself when [ptr+offset, ptr+offset+bytes) is inside the
   * guest's memory, else an address at which the access traps: `trapAt`, or
   * for atomics ptr | ATOMIC_TRAP_BITS, which keeps the low bits, since V8
   * checks an atomic's alignment before its bounds (so the trap message is
   * the one a fresh instance gives).
   */
  private clamp(ptr: number, offset: number, bytes: number, trapAt: number, atomic: boolean): number {
    const m = this.m;
    const t = this.tmp();
    const end = offset + bytes;
    const trap = atomic ? m.i32.or(m.local.get(t, i32), m.i32.const(ATOMIC_TRAP_BITS)) : m.i32.const(trapAt);
    if (end > 0xffffffff) return m.block(null, [m.local.set(t, ptr), trap], i32);
    // Unchecked accesses (scan only: stores are not marked) trap only beyond the real size.
    if (this.mode.bounds === 'real') return m.local.tee(t, ptr, i32);
    return m.select(inRange(m, m.local.get(t, i32), m.i64.const(BigInt(end) as never)), m.local.tee(t, ptr, i32), trap);
  }

  /**
   * Whether the branch check fits: a plain access whose bounds check runs on
   * the virtual size, and whose other operand, if any, may be left
   * unevaluated when the access traps.
   */
  private branchable(atomic: boolean, operand: number | null): boolean {
    return !atomic && this.mode.bounds === 'virtual' && (operand === null || this.skippable(operand, { left: SKIPPABLE_BUDGET }));
  }

  /**
   * Moves the access's address into t (the access then reads t) and returns
   * `local.set t ptr` and the check: when [t+offset, t+offset+bytes) is not
   * inside the guest's memory, a load beyond every real memory traps as the
   * access itself would. Also returns the address expression it moved and t.
   */
  private checkedPtr(expr: number, cls: any, end: number): { check: number[]; ptr: number; t: number } {
    const m = this.m;
    const t = this.tmp();
    const ptr = cls.getPtr(expr);
    cls.setPtr(expr, m.local.get(t, i32));
    const outside = m.i32.eqz(inRange(m, m.local.get(t, i32), m.i64.const(BigInt(end) as never)));
    // Inline, not a call: one more frame could exhaust the stack where a fresh instance traps out of bounds.
    // The unreachable tells V8 the branch ends there (without it the loop ran as slowly as with select).
    const trap = m.block(null, [m.drop(m.i32.load8_u(0, 1, m.i32.const(TRAP_ADDRESS), this.mem)), m.unreachable()]);
    return { check: [m.local.set(t, ptr), m.if(outside, trap)], ptr, t };
  }

  private load(expr: number, cls: any, bytes: number, atomic = false, operand: number | null = null): number {
    const offset = offsetOf(expr, cls);
    if (!this.branchable(atomic, operand)) {
      cls.setPtr(expr, this.clamp(cls.getPtr(expr), offset, bytes, TRAP_ADDRESS, atomic));
      return expr;
    }
    const { check, ptr } = this.checkedPtr(expr, cls, offset + bytes);
    const block = this.m.block(null, [...check, expr], binaryen.getExpressionType(expr));
    this.checkedLoads.set(block, ptr);
    return block;
  }

  /**
   * The checked blocks this rewriter made, with their addresses: loads (any
   * other operand was skippable to get here), and in scan mode stores, which
   * are no operand of anything.
   */
  private readonly checkedLoads = new Map<number, number>();

  /**
   * Whether `expr` may go unevaluated when the access it is an operand of
   * traps: it cannot call, branch, throw, write anything but locals, or trap
   * other than as an out-of-range load (the same trap the access gives).
   * Walks at most a few nodes; a larger operand is not skippable.
   */
  private skippable(expr: number, budget: { left: number }): boolean {
    if (--budget.left < 0) return false;
    const ptr = this.checkedLoads.get(expr);
    if (ptr !== undefined) return this.skippable(ptr, budget);
    switch (binaryen.getExpressionId(expr)) {
      case binaryen.ConstId: case binaryen.LocalGetId: case binaryen.GlobalGetId: return true;
      case binaryen.LocalSetId: return this.skippable(B.LocalSet.getValue(expr), budget);
      case binaryen.UnaryId: return !TRAPPING_UNARY.has(B.Unary.getOp(expr)) && this.skippable(B.Unary.getValue(expr), budget);
      case binaryen.BinaryId:
        return !TRAPPING_BINARY.has(B.Binary.getOp(expr)) && this.skippable(B.Binary.getLeft(expr), budget) && this.skippable(B.Binary.getRight(expr), budget);
      case binaryen.SelectId:
        return this.skippable(B.Select.getIfTrue(expr), budget) && this.skippable(B.Select.getIfFalse(expr), budget)
          && this.skippable(B.Select.getCondition(expr), budget);
    }
    return false;
  }

  /**
   * A write: the clamped address goes to a local, its chunk is marked, then
   * the write runs with it. An out-of-range write is clamped so that
   * address + offset is 0xFFFFF000, whose chunk is JUNK_CHUNK (restore
   * clears it) and which is beyond every real memory, so the write traps.
   * An atomic one keeps its low bits (see clamp) and marks JUNK_CHUNK.
   * A write `branchable` allows is checked by the branch first instead, and
   * marks its own chunk.
   */
  private store(expr: number, cls: any, bytes: number, atomic: boolean, operand: number | null): number {
    // Unmarked, a write needs only the bounds check a read has.
    if (this.mode.tracking === 'scan') return this.load(expr, cls, bytes, atomic, operand);
    const m = this.m;
    const offset = offsetOf(expr, cls);
    if (this.branchable(atomic, operand)) {
      const { check, t } = this.checkedPtr(expr, cls, offset + bytes);
      const chunk = m.i32.shr_u(m.i32.add(m.local.get(t, i32), m.i32.const(offset | 0)), m.i32.const(CHUNK_SHIFT));
      return m.block(null, [...check, this.mark(chunk), expr], binaryen.getExpressionType(expr));
    }
    const trapAt = (JUNK_CHUNK << CHUNK_SHIFT) - offset | 0;
    const t = this.tmp();
    const clamped = this.clamp(cls.getPtr(expr), offset, bytes, trapAt, atomic);
    cls.setPtr(expr, m.local.get(t, i32));
    let chunk = m.i32.shr_u(m.i32.add(m.local.get(t, i32), m.i32.const(offset | 0)), m.i32.const(CHUNK_SHIFT));
    if (atomic) chunk = m.select(m.i32.ge_u(m.local.get(t, i32), m.i32.const(ATOMIC_TRAP_BITS)), m.i32.const(JUNK_CHUNK), chunk);
    return m.block(null, [
      m.local.set(t, clamped),
      this.mark(chunk),
      expr,
    ], binaryen.getExpressionType(expr));
  }

  /** Returns the replacement for a memory instruction, or null when `id` is not one. */
  rewrite(expr: number, id: number): number | null {
    const m = this.m;
    switch (id) {
      case binaryen.MemorySizeId: return m.call(F_SIZE, [], i32);
      case binaryen.MemoryGrowId: return m.call(F_GROW, [B.MemoryGrow.getDelta(expr)], i32);
      case binaryen.LoadId: return this.load(expr, B.Load, B.Load.getBytes(expr), B.Load.isAtomic(expr));
      case binaryen.SIMDLoadId: return this.load(expr, B.SIMDLoad, SIMD_LOAD_BYTES.get(B.SIMDLoad.getOp(expr))!);
      case binaryen.StoreId: return this.store(expr, B.Store, B.Store.getBytes(expr), B.Store.isAtomic(expr), B.Store.getValue(expr));
      case binaryen.AtomicRMWId: return this.store(expr, B.AtomicRMW, B.AtomicRMW.getBytes(expr), true, null);
      case binaryen.AtomicCmpxchgId: return this.store(expr, B.AtomicCmpxchg, B.AtomicCmpxchg.getBytes(expr), true, null);
      // binaryen.js does not expose their static offset: checked as if it were 0
      // (they read and write no guest data: wait traps on an unshared memory).
      case binaryen.AtomicNotifyId: return this.load(expr, B.AtomicNotify, 4, true);
      case binaryen.AtomicWaitId: return this.load(expr, B.AtomicWait, B.AtomicWait.getExpectedType(expr) === i64 ? 8 : 4, true);
      case binaryen.SIMDLoadStoreLaneId: {
        const bytes = SIMD_LANE_BYTES.get(B.SIMDLoadStoreLane.getOp(expr))!;
        const vec = B.SIMDLoadStoreLane.getVec(expr);
        return B.SIMDLoadStoreLane.isStore(expr) ? this.store(expr, B.SIMDLoadStoreLane, bytes, false, vec) : this.load(expr, B.SIMDLoadStoreLane, bytes, false, vec);
      }
      case binaryen.MemoryFillId:
        return m.call(F_FILL, [B.MemoryFill.getDest(expr), B.MemoryFill.getValue(expr), B.MemoryFill.getSize(expr)], none);
      case binaryen.MemoryCopyId:
        return m.call(F_COPY, [B.MemoryCopy.getDest(expr), B.MemoryCopy.getSource(expr), B.MemoryCopy.getSize(expr)], none);
      case binaryen.MemoryInitId: return this.memoryInit(expr);
      case binaryen.DataDropId: return m.global.set(this.droppedData(B.DataDrop.getSegment(expr)), m.i32.const(1));
    }
    return null;
  }

  /**
   * memory.init: dest is checked against the virtual size; a segment the
   * guest "dropped" (the drop is only recorded, so a rewind can undo it)
   * acts as the empty segment a dropped one is: any non-empty use traps.
   */
  private memoryInit(expr: number): number {
    const m = this.m;
    const [d, s, n] = [this.newLocal(), this.newLocal(), this.newLocal()];
    const get = (l: number) => m.local.get(l, i32);
    const dropped = this.droppedData(B.MemoryInit.getSegment(expr));
    const sets = [m.local.set(d, B.MemoryInit.getDest(expr)), m.local.set(s, B.MemoryInit.getOffset(expr)), m.local.set(n, B.MemoryInit.getSize(expr))];
    B.MemoryInit.setDest(expr, get(d));
    B.MemoryInit.setOffset(expr, get(s));
    B.MemoryInit.setSize(expr, get(n));
    return m.block(null, [
      ...sets,
      m.if(m.i32.and(m.global.get(dropped, i32), m.i32.ne(m.i32.or(get(s), get(n)), m.i32.const(0))), m.local.set(s, m.i32.const(TRAP_ADDRESS))),
      m.if(inRange(m, get(d), m.i64.extend_u(get(n))), m.call(F_MARK, [get(d), get(n)], none), m.local.set(d, m.i32.const(TRAP_ADDRESS))),
      expr,
    ], none);
  }
}
