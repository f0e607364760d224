// Bit-exact access to a module's own mutable global (see GlobalInfo): what
// the snapshot saves, restores, compares and writes to snapshot files. i32,
// i64 and references go through WebAssembly.Global itself; f32, f64 and
// v128 through the rewriter's bit accessors, as a number (f32 bits, u32) or
// a bigint (f64 bits, u64; v128, u128), so a NaN's payload survives.
import type { GlobalInfo } from '../rewrite/info.js';

export type GlobalValue = unknown;

export interface GlobalCell {
  readonly info: GlobalInfo;
  get(): GlobalValue;
  set(value: GlobalValue): void;
  /** Readable form for reports: the number for floats, hex bits for v128 and float NaNs. */
  show(value: GlobalValue): string;
  /** Whether a value read from a snapshot file fits this global (type and range). */
  accepts(value: number | bigint): boolean;
}

type Fn = (...args: unknown[]) => unknown;
const U64 = (1n << 64n) - 1n;

export function globalCell(exports: WebAssembly.Exports, info: GlobalInfo): GlobalCell {
  const global = exports[info.name] as WebAssembly.Global;
  if (!info.bits) {
    return {
      info,
      get: () => global.value,
      set: (v) => { global.value = v; },
      show: (v) => String(v),
      accepts: (v) => {
        if (info.type === 'i64') return typeof v === 'bigint' && v >= -(1n << 63n) && v <= U64;
        // An i32 as JavaScript gives it (signed) or as its unsigned bits; a reference cannot come from a file.
        return info.type === 'i32' && typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 31) && v <= 0xffffffff;
      },
    };
  }
  const get = exports[info.bits.get] as Fn;
  const set = exports[info.bits.set] as Fn;
  switch (info.type) {
    case 'f32': return {
      info,
      get: () => (get() as number) >>> 0,
      set: (v) => { set(v); },
      show: (v) => showFloat(new Float32Array(new Uint32Array([v as number]).buffer)[0]!, v as number, 8),
      accepts: (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff,
    };
    case 'f64': return {
      info,
      get: () => BigInt.asUintN(64, get() as bigint),
      set: (v) => { set(BigInt.asIntN(64, v as bigint)); },
      show: (v) => showFloat(new Float64Array(new BigUint64Array([v as bigint]).buffer)[0]!, v as bigint, 16),
      accepts: (v) => typeof v === 'bigint' && v >= 0n && v <= U64,
    };
    default: return {
      info,
      get: () => {
        const [lo, hi] = get() as [bigint, bigint];
        return (BigInt.asUintN(64, hi) << 64n) | BigInt.asUintN(64, lo);
      },
      set: (v) => { set(BigInt.asIntN(64, v as bigint), BigInt.asIntN(64, (v as bigint) >> 64n)); },
      show: (v) => `0x${(v as bigint).toString(16).padStart(32, '0')}`,
      accepts: (v) => typeof v === 'bigint' && v >= 0n && v < 1n << 128n,
    };
  }
}

function showFloat(x: number, bits: number | bigint, digits: number): string {
  return Number.isNaN(x) ? `NaN(0x${bits.toString(16).padStart(digits, '0')})` : String(x);
}
