// Snapshot and restore of the glue's bindings (see patch.ts). Values are
// handled by kind: containers (Map, Set, Array, plain objects) are copied
// one level deep and refilled in place, since closures hold them by
// reference; WebAssembly.Globals (instance flags) by value; primitives held
// in `let` bindings are assigned back. Anything else (functions, modules,
// exports) is fixed after instantiation and left alone.
import type { GlueBindings } from './patch.js';

type Saved = { name: string; kind: 'container' | 'global' | 'value'; value: unknown; copy?: unknown };

export class GlueState {
  private readonly saved: Saved[] = [];

  constructor(private readonly bindings: GlueBindings) {
    for (const [name, get] of Object.entries(bindings.get)) {
      const value = get();
      if (value instanceof WebAssembly.Global) this.saved.push({ name, kind: 'global', value, copy: value.value });
      else if (isContainer(value)) this.saved.push({ name, kind: 'container', value, copy: copyContainer(value) });
      else if (name in bindings.set && isPrimitive(value)) this.saved.push({ name, kind: 'value', value });
    }
  }

  restore(): void {
    for (const s of this.saved) {
      if (s.kind === 'global') {
        const g = s.value as WebAssembly.Global;
        if (g.value !== s.copy) g.value = s.copy;
        continue;
      }
      if (s.kind === 'container') refill(s.value, s.copy);
      const set = this.bindings.set[s.name];
      if (set && this.bindings.get[s.name]!() !== s.value) set(s.value);
    }
  }

  /** Total entries held by the glue's containers, to check that nothing grows run to run. */
  size(): number {
    let total = 0;
    for (const s of this.saved) if (s.kind === 'container') total += sizeOf(this.bindings.get[s.name]!());
    return total;
  }
}

function isPrimitive(v: unknown): boolean {
  return v === null || v === undefined || ['number', 'bigint', 'boolean', 'string'].includes(typeof v);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function isContainer(v: unknown): boolean {
  return v instanceof Map || v instanceof Set || Array.isArray(v) || isPlainObject(v);
}

interface ArrayCopy { items: unknown[]; props: [string, unknown, unknown][] }

function copyContainer(v: unknown): unknown {
  if (v instanceof Map) return new Map(v);
  if (v instanceof Set) return new Set(v);
  if (Array.isArray(v)) {
    // Handle tables carry extra properties such as the `_createdReps` Set.
    const props = Object.keys(v).filter((k) => !/^\d+$/.test(k))
      .map((k): [string, unknown, unknown] => [k, (v as any)[k], isContainer((v as any)[k]) ? copyContainer((v as any)[k]) : undefined]);
    return { items: [...v], props } satisfies ArrayCopy;
  }
  return { ...(v as object) };
}

function refill(target: unknown, copy: unknown): void {
  if (target instanceof Map) {
    target.clear();
    for (const [k, v] of copy as Map<unknown, unknown>) target.set(k, v);
  } else if (target instanceof Set) {
    target.clear();
    for (const v of copy as Set<unknown>) target.add(v);
  } else if (Array.isArray(target)) {
    const { items, props } = copy as ArrayCopy;
    target.length = 0;
    target.push(...items);
    for (const [k, value, inner] of props) {
      (target as any)[k] = value;
      if (inner !== undefined) refill(value, inner);
    }
  } else {
    const obj = target as Record<string, unknown>;
    for (const k of Object.keys(obj)) if (!(k in (copy as object))) delete obj[k];
    Object.assign(obj, copy);
  }
}

function sizeOf(v: unknown): number {
  if (v instanceof Map || v instanceof Set) return v.size;
  if (Array.isArray(v)) {
    const reps = (v as any)._createdReps;
    return v.length + (reps instanceof Set ? reps.size : 0);
  }
  return Object.keys(v as object).length;
}
