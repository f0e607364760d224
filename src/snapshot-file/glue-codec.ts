// Encodes the glue's bindings (see glue/patch.ts) as JSON-safe data and
// back. Containers of primitives and of host objects the host can describe
// (stdio streams, directory descriptors) are supported; anything else (a
// function, a glue-internal object) cannot leave the process.
import { SnapshotFileError } from '../errors.js';
import type { GlueBindings } from '../glue/patch.js';
import { isApi } from '../glue/state.js';
import type { HostObject } from '../../shims/host.js';

export type Encoded =
  | { t: 'undefined' }
  | { t: 'value'; v: string | number | boolean | null }
  | { t: 'bigint'; v: string }
  | { t: 'host'; d: HostObject }
  | { t: 'map'; v: [Encoded, Encoded][] }
  | { t: 'set'; v: Encoded[] }
  | { t: 'array'; v: Encoded[]; props: Record<string, Encoded> }
  | { t: 'object'; v: Record<string, Encoded> }
  | { t: 'global'; v: Encoded };

export interface HostCodec {
  describe(obj: unknown): HostObject | undefined;
  revive(desc: HostObject): unknown;
}

const isPlain = (v: object) => [Object.prototype, null].includes(Object.getPrototypeOf(v));

function encode(v: unknown, host: HostCodec, where: string): Encoded {
  if (v === undefined) return { t: 'undefined' };
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return { t: 'value', v };
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new SnapshotFileError(`cannot save ${where}: non-finite number`);
    return { t: 'value', v };
  }
  if (typeof v === 'bigint') return { t: 'bigint', v: v.toString() };
  const described = host.describe(v);
  if (described) return { t: 'host', d: described };
  if (v instanceof Map) return { t: 'map', v: [...v].map(([k, x], i) => [encode(k, host, `${where} key ${i}`), encode(x, host, `${where}[${String(k)}]`)]) };
  if (v instanceof Set) return { t: 'set', v: [...v].map((x, i) => encode(x, host, `${where} item ${i}`)) };
  if (Array.isArray(v)) {
    const props: Record<string, Encoded> = {};
    for (const k of Object.keys(v)) if (!/^\d+$/.test(k)) props[k] = encode((v as any)[k], host, `${where}.${k}`);
    return { t: 'array', v: v.map((x, i) => encode(x, host, `${where}[${i}]`)), props };
  }
  if (v instanceof WebAssembly.Global) return { t: 'global', v: encode(v.value, host, where) };
  if (typeof v === 'object' && isPlain(v)) {
    return { t: 'object', v: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x, host, `${where}.${k}`)])) };
  }
  throw new SnapshotFileError(`cannot save ${where}: it holds a ${typeof v === 'object' ? v.constructor?.name ?? 'object' : typeof v} that cannot be written to a file`);
}

/**
 * `existing` is the value at the same place in the fresh glue: a
 * WebAssembly.Global there (instance flags) is kept and given the saved value,
 * since core instances hold that very object.
 */
function decode(e: Encoded, host: HostCodec, existing?: unknown): unknown {
  const at = (k: unknown) => (existing instanceof Map ? existing.get(k) : (existing as any)?.[k as string]);
  switch (e.t) {
    case 'undefined': return undefined;
    case 'value': return e.v;
    case 'bigint': return BigInt(e.v);
    case 'host': return host.revive(e.d);
    case 'map': return new Map(e.v.map(([k, v]) => { const key = decode(k, host); return [key, decode(v, host, at(key))]; }));
    case 'set': return new Set(e.v.map((v) => decode(v, host)));
    case 'array': {
      const arr = e.v.map((v, i) => decode(v, host, at(i)));
      for (const [k, v] of Object.entries(e.props)) (arr as any)[k] = decode(v, host, at(k));
      return arr;
    }
    case 'object': return Object.fromEntries(Object.entries(e.v).map(([k, v]) => [k, decode(v, host, at(k))]));
    case 'global': {
      if (!(existing instanceof WebAssembly.Global)) throw new SnapshotFileError('snapshot file has a global where this glue has none');
      existing.value = decode(e.v, host);
      return existing;
    }
  }
}

const isState = (v: unknown) =>
  v === null || ['undefined', 'number', 'bigint', 'boolean', 'string'].includes(typeof v) ||
  v instanceof Map || v instanceof Set || Array.isArray(v) || v instanceof WebAssembly.Global ||
  (typeof v === 'object' && isPlain(v as object));


function stateBindings(bindings: GlueBindings): [string, unknown][] {
  return Object.entries(bindings.get)
    .map(([name, get]): [string, unknown] => [name, get()])
    .filter(([name, v]) => isState(v) && !isApi(v) && (typeof v === 'object' || name in bindings.set));
}

/** Encodes every state binding (the ones GlueState restores). */
export function encodeGlue(bindings: GlueBindings, host: HostCodec): Record<string, Encoded> {
  return Object.fromEntries(stateBindings(bindings).map(([name, v]) => [name, encode(v, host, `glue binding ${name}`)]));
}

/**
 * Bindings holding glue-internal objects (e.g. task records left by a core
 * function called directly, outside a lifted export): such state cannot be
 * saved, and after an init call it should be back where instantiation left it.
 */
export function transientBindings(bindings: GlueBindings, host: HostCodec): Set<string> {
  const names = new Set<string>();
  for (const [name, v] of stateBindings(bindings)) {
    try {
      encode(v, host, name);
    } catch {
      names.add(name);
    }
  }
  return names;
}

function containerKind(v: unknown): Encoded['t'] | undefined {
  if (v instanceof WebAssembly.Global) return 'global';
  if (v instanceof Map) return 'map';
  if (v instanceof Set) return 'set';
  if (Array.isArray(v)) return 'array';
  return v !== null && typeof v === 'object' ? 'object' : undefined;
}

/** Puts saved bindings into a freshly instantiated glue (containers refilled in place). */
export function applyGlue(bindings: GlueBindings, saved: Record<string, Encoded>, host: HostCodec): void {
  for (const [name, enc] of Object.entries(saved)) {
    const get = bindings.get[name];
    if (!get) throw new SnapshotFileError(`snapshot file names glue binding ${name}, which this glue does not have`);
    const target = get();
    // A container is refilled in place and must stay the same kind; anything else is assigned.
    const kind = containerKind(target);
    if (kind ? kind !== enc.t : enc.t === 'global' || !(name in bindings.set)) {
      throw new SnapshotFileError(`snapshot file gives glue binding ${name} a value of the wrong kind (${enc.t})`);
    }
    const value = decode(enc, host, target);
    if (target instanceof WebAssembly.Global) continue; // set by decode
    if (target instanceof Map) { target.clear(); for (const [k, v] of value as Map<unknown, unknown>) target.set(k, v); }
    else if (target instanceof Set) { target.clear(); for (const v of value as Set<unknown>) target.add(v); }
    else if (Array.isArray(target)) {
      const arr = value as unknown[];
      target.length = 0;
      target.push(...arr);
      for (const k of Object.keys(arr)) if (!/^\d+$/.test(k)) (target as any)[k] = (arr as any)[k];
    } else if (target !== null && typeof target === 'object') {
      for (const k of Object.keys(target)) delete (target as any)[k];
      Object.assign(target, value);
    } else bindings.set[name]?.(value);
  }
}
