// Operand access for table.fill, table.copy, table.init and elem.drop, which
// binaryen.js (132) parses and emits but exposes no accessors or builders
// for. Their operands are read and replaced in binaryen's own heap, through
// the two C entry points that touch raw words without checks: an expression's
// type is the u32 at +4, so GetType/SetType(p - 4) read/write the u32 at p.
// Names are interned C strings, matched by pointer against the module's own
// table and segment names. The offsets are checked once against a module
// binaryen parses itself: a binaryen with another layout is refused with an
// error instead of being misread.
import binaryen from 'binaryen';

type Ref = number;
const C = binaryen as unknown as Record<string, (...args: number[]) => number>;
const B = binaryen as unknown as Record<string, Record<string, (...args: number[]) => number>>;

export const TableFillId = C._BinaryenTableFillId!();
export const TableCopyId = C._BinaryenTableCopyId!();
export const TableInitId = C._BinaryenTableInitId!();
export const ElemDropId = C._BinaryenElemDropId!();

const read = (at: number): number => C._BinaryenExpressionGetType!(at - 4) >>> 0;
const write = (at: number, value: number): void => void C._BinaryenExpressionSetType!(at - 4, value);

/** Byte offsets of the operands and names inside each expression object. */
const LAYOUT = {
  TableFill: { table: 8, Dest: 12, Value: 16, Size: 20 },
  TableCopy: { Dest: 8, Source: 12, Size: 16, destTable: 20, sourceTable: 24 },
  TableInit: { segment: 8, Dest: 12, Offset: 16, Size: 20, table: 24 },
  ElemDrop: { segment: 8 },
} as const;
type Kind = keyof typeof LAYOUT;

let checked = false;

/** Accessors in binaryen.js style (getDest/setDest, ...) for the child slots of `kind`. */
export function rawAccessors(kind: Kind): Record<string, (expr: Ref, value?: Ref) => Ref> {
  const out: Record<string, (expr: Ref, value?: Ref) => Ref> = {};
  for (const [slot, offset] of Object.entries(LAYOUT[kind])) {
    if (slot[0] !== slot[0]!.toUpperCase()) continue;
    out[`get${slot}`] = (expr) => (checkLayout(), read(expr + offset));
    out[`set${slot}`] = (expr, value) => (checkLayout(), write(expr + offset, value!), 0);
  }
  return out;
}

/** The interned name pointer in a name slot (compare with namePointer()). */
export function rawName(kind: Kind, slot: string, expr: Ref): number {
  checkLayout();
  return read(expr + (LAYOUT[kind] as Record<string, number>)[slot]!);
}

/** Pointer of an interned name as binaryen returns it for tables and segments. */
export const tableNamePointer = (table: Ref): number => C._BinaryenTableGetName!(table) >>> 0;
export const segmentNamePointer = (segment: Ref): number => C._BinaryenElementSegmentGetName!(segment) >>> 0;

function checkLayout(): void {
  if (checked) return;
  const m = binaryen.parseText(`(module (table $ta 1 funcref) (table $tb 1 funcref) (func $f) (elem $sx func $f)
    (func $g
      (table.fill $ta (i32.const 11) (ref.null func) (i32.const 13))
      (table.copy $ta $tb (i32.const 21) (i32.const 22) (i32.const 23))
      (table.init $tb $sx (i32.const 31) (i32.const 32) (i32.const 33))
      (elem.drop $sx)))`);
  try {
    const body = binaryen.getFunctionInfo(m.getFunction('g')).body;
    const [fill, copy, init, drop] = [0, 1, 2, 3].map((i) => B.Block!.getChildAt!(body, i));
    const ta = tableNamePointer(m.getTable('ta')), tb = tableNamePointer(m.getTable('tb'));
    const sx = segmentNamePointer(m.getElementSegment('sx'));
    const i32 = (e: Ref) => binaryen.getExpressionId(e) === binaryen.ConstId ? B.Const!.getValueI32!(e) : NaN;
    const ok = [fill!, copy!, init!, drop!].map((e) => binaryen.getExpressionId(e)).join() === [TableFillId, TableCopyId, TableInitId, ElemDropId].join()
      && read(fill! + 8) === ta && i32(read(fill! + 12)) === 11 && binaryen.getExpressionId(read(fill! + 16)) === binaryen.RefNullId && i32(read(fill! + 20)) === 13
      && i32(read(copy! + 8)) === 21 && i32(read(copy! + 12)) === 22 && i32(read(copy! + 16)) === 23 && read(copy! + 20) === ta && read(copy! + 24) === tb
      && read(init! + 8) === sx && i32(read(init! + 12)) === 31 && i32(read(init! + 16)) === 32 && i32(read(init! + 20)) === 33 && read(init! + 24) === tb
      && read(drop! + 8) === sx;
    if (!ok) throw new Error('binaryen.js lays out table.fill/copy/init or elem.drop differently than wasi-rewind expects (update src/rewrite/raw-expr.ts)');
    checked = true;
  } finally {
    m.dispose();
  }
}
