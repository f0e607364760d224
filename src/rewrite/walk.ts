// A post-order walk over binaryen expressions that lets a visitor replace any
// node. binaryen.js has typed getters/setters per expression class but no
// generic walker, so the child slots of every class are listed here once.
import binaryen from 'binaryen';
import { UnsupportedModuleError } from '../errors.js';
import { ElemDropId, rawAccessors, TableCopyId, TableFillId, TableInitId } from './raw-expr.js';

type Ref = number;
type Accessors = Record<string, (expr: Ref, value?: Ref) => Ref>;
/** A child slot: a single child ("Condition") or a list ("Operand*"). */
type Slot = string;

const SLOTS: Record<string, Slot[]> = {
  Block: ['Child*'], If: ['Condition', 'IfTrue', 'IfFalse'], Loop: ['Body'],
  Break: ['Condition', 'Value'], Switch: ['Condition', 'Value'], Call: ['Operand*'],
  CallIndirect: ['Target', 'Operand*'], LocalSet: ['Value'], GlobalSet: ['Value'],
  Load: ['Ptr'], Store: ['Ptr', 'Value'], AtomicRMW: ['Ptr', 'Value'],
  AtomicCmpxchg: ['Ptr', 'Expected', 'Replacement'], AtomicWait: ['Ptr', 'Expected', 'Timeout'],
  AtomicNotify: ['Ptr', 'NotifyCount'], SIMDExtract: ['Vec'], SIMDReplace: ['Vec', 'Value'],
  SIMDShuffle: ['Left', 'Right'], SIMDTernary: ['A', 'B', 'C'], SIMDShift: ['Vec', 'Shift'],
  SIMDLoad: ['Ptr'], SIMDLoadStoreLane: ['Ptr', 'Vec'], MemoryInit: ['Dest', 'Offset', 'Size'],
  MemoryCopy: ['Dest', 'Source', 'Size'], MemoryFill: ['Dest', 'Value', 'Size'],
  Unary: ['Value'], Binary: ['Left', 'Right'], Select: ['IfTrue', 'IfFalse', 'Condition'],
  Drop: ['Value'], Return: ['Value'], MemoryGrow: ['Delta'], RefIsNull: ['Value'],
  RefEq: ['Left', 'Right'], RefAs: ['Value'], RefTest: ['Ref'], RefCast: ['Ref'], BrOn: ['Ref'],
  TableGet: ['Index'], TableSet: ['Index', 'Value'], TableGrow: ['Value', 'Delta'],
  Try: ['Body', 'CatchBody*'], Throw: ['Operand*'], TupleMake: ['Operand*'], TupleExtract: ['Tuple'],
  RefI31: ['Value'], I31Get: ['I31'], CallRef: ['Operand*', 'Target'], StructNew: ['Operand*'],
  StructGet: ['Ref'], StructSet: ['Ref', 'Value'], ArrayNew: ['Init', 'Size'], ArrayNewFixed: ['Value*'],
  ArrayNewData: ['Offset', 'Size'], ArrayNewElem: ['Offset', 'Size'], ArrayGet: ['Ref', 'Index'],
  ArraySet: ['Ref', 'Index', 'Value'], ArrayLen: ['Ref'], ArrayFill: ['Ref', 'Index', 'Value', 'Size'],
  ArrayCopy: ['DestRef', 'DestIndex', 'SrcRef', 'SrcIndex', 'Length'],
  ArrayInitData: ['Ref', 'Index', 'Offset', 'Size'], ArrayInitElem: ['Ref', 'Index', 'Offset', 'Size'],
  WideIntAddSub: ['LeftLow', 'LeftHigh', 'RightLow', 'RightHigh'], WideIntMul: ['Left', 'Right'],
};
const LEAVES = [
  'Nop', 'LocalGet', 'GlobalGet', 'Const', 'MemorySize', 'Unreachable', 'Pop', 'RefNull', 'RefFunc',
  'TableSize', 'DataDrop', 'AtomicFence', 'Pause', 'Rethrow', 'StringConst',
];

const PLURALS: Record<string, string> = { Child: 'Children', CatchBody: 'CatchBodies' };

interface Kind { name: string; cls: Accessors; slots: Slot[] }
const kinds = new Map<number, Kind>();
const b = binaryen as unknown as Record<string, unknown>;
for (const [name, slots] of Object.entries(SLOTS)) {
  kinds.set(b[`${name}Id`] as number, { name, cls: b[name] as Accessors, slots });
}
for (const name of LEAVES) kinds.set(b[`${name}Id`] as number, { name, cls: {}, slots: [] });
// Kinds binaryen.js has ids but no accessors for (raw-expr.ts).
kinds.set(TableFillId, { name: 'TableFill', cls: rawAccessors('TableFill'), slots: ['Dest', 'Value', 'Size'] });
kinds.set(TableCopyId, { name: 'TableCopy', cls: rawAccessors('TableCopy'), slots: ['Dest', 'Source', 'Size'] });
kinds.set(TableInitId, { name: 'TableInit', cls: rawAccessors('TableInit'), slots: ['Dest', 'Offset', 'Size'] });
kinds.set(ElemDropId, { name: 'ElemDrop', cls: {}, slots: [] });
const idNames = new Map<number, string>();
for (const [key, value] of Object.entries(b)) if (key.endsWith('Id') && typeof value === 'number') idNames.set(value, key.slice(0, -2));

/** Returns the replacement for `expr` (or `expr` itself). Children are visited first. */
export type Visitor = (expr: Ref, id: number) => Ref;

export function walk(expr: Ref, visit: Visitor): Ref {
  const id = binaryen.getExpressionId(expr);
  const kind = kinds.get(id);
  if (!kind) throw new UnsupportedModuleError(`wasm instruction kind ${idNames.get(id) ?? id} is not supported by the rewriter`);
  for (const slot of kind.slots) {
    if (slot.endsWith('*')) {
      const base = slot.slice(0, -1);
      const count = kind.cls[`getNum${PLURALS[base] ?? base + 's'}`]!(expr);
      for (let i = 0; i < count; i++) {
        const child = (kind.cls[`get${base}At`] as (e: Ref, i: number) => Ref)(expr, i);
        const next = walk(child, visit);
        if (next !== child) (kind.cls[`set${base}At`] as (e: Ref, i: number, v: Ref) => void)(expr, i, next);
      }
    } else {
      const child = kind.cls[`get${slot}`]!(expr);
      if (!child) continue;
      const next = walk(child, visit);
      if (next !== child) kind.cls[`set${slot}`]!(expr, next);
    }
  }
  return visit(expr, id);
}
