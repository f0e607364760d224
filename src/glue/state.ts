// Snapshot and restore of the glue's bindings (see patch.ts). Values are
// handled by kind: containers (Map, Set, Array, plain objects) are copied
// one level deep and refilled in place, since closures hold them by
// reference; WebAssembly.Globals (instance flags) by value; primitives held
// in `let` bindings are assigned back. Anything else (functions, modules,
// exports) is fixed after instantiation and left alone.
// Each binding gets its own restore closure, built once: resets run often
// and most bindings are empty containers or untouched counters.
import { GLUE_STATE_KEY, type GlueBindings } from './patch.js';

type Restorer = () => void;

export class GlueState {
  private readonly restorers: { name: string; restore: Restorer }[] = [];
  private readonly containers: (() => unknown)[] = [];

  constructor(bindings: GlueBindings) {
    for (const [name, get] of Object.entries(bindings.get)) {
      const value = get();
      const set = bindings.set[name];
      if (value instanceof WebAssembly.Global) {
        const saved = value.value;
        this.add(name, () => {
          if (value.value !== saved) value.value = saved;
        });
      } else if (isContainer(value) && !isApi(value)) {
        this.add(name, containerRestorer(value));
        if (set) this.add(name, () => get() !== value && set(value));
        this.containers.push(get);
      } else if (set && isPrimitive(value)) {
        this.add(name, () => get() !== value && set(value));
      }
    }
  }

  private add(name: string, restore: Restorer): void {
    this.restorers.push({ name, restore });
  }

  /** Restores every binding, or only the named ones. */
  restore(only?: Set<string>): void {
    for (const r of this.restorers) if (!only || only.has(r.name)) r.restore();
  }

  /** Total entries held by the glue's containers, to check that nothing grows run to run. */
  size(): number {
    return this.containers.reduce((total, get) => total + sizeOf(get()), 0);
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

/** Export objects (of the component, or of a core instance) are API, not state. */
export function isApi(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) &&
    (GLUE_STATE_KEY in v || Object.values(v).some((x) => typeof x === 'function' || x instanceof WebAssembly.Memory));
}

function isContainer(v: unknown): boolean {
  return v instanceof Map || v instanceof Set || Array.isArray(v) || isPlainObject(v);
}

function containerRestorer(target: unknown): Restorer {
  if (target instanceof Map) {
    const copy = new Map(target);
    if (copy.size === 0) return () => target.size && target.clear();
    const entries = [...copy];
    return () => {
      if (target.size === copy.size && entries.every(([k, v]) => target.get(k) === v)) return;
      target.clear();
      for (const [k, v] of copy) target.set(k, v);
    };
  }
  if (target instanceof Set) {
    const copy = new Set(target);
    if (copy.size === 0) return () => target.size && target.clear();
    return () => {
      if (target.size === copy.size && [...copy].every((v) => target.has(v))) return;
      target.clear();
      for (const v of copy) target.add(v);
    };
  }
  if (Array.isArray(target)) {
    // Handle tables carry extra properties such as the `_createdReps` Set.
    const items = [...target];
    const props = Object.keys(target).filter((k) => !/^\d+$/.test(k)).map((k) => {
      const value = (target as any)[k];
      return { k, value, restore: isContainer(value) ? containerRestorer(value) : undefined };
    });
    return () => {
      let same = target.length === items.length;
      for (let i = 0; same && i < items.length; i++) same = target[i] === items[i];
      if (!same) {
        target.length = 0;
        for (const item of items) target.push(item);
      }
      for (const p of props) {
        if ((target as any)[p.k] !== p.value) (target as any)[p.k] = p.value;
        p.restore?.();
      }
    };
  }
  const obj = target as Record<string, unknown>;
  const copy = { ...obj };
  const keys = Object.keys(copy);
  return () => {
    for (const k of keys) if (obj[k] !== copy[k]) obj[k] = copy[k];
    // Object.keys is served from V8's enum cache; walk the keys only if some were added.
    if (Object.keys(obj).length !== keys.length) for (const k of Object.keys(obj)) if (!(k in copy)) delete obj[k];
  };
}

function sizeOf(v: unknown): number {
  if (v instanceof Map || v instanceof Set) return v.size;
  if (Array.isArray(v)) {
    const reps = (v as any)._createdReps;
    return v.length + (reps instanceof Set ? reps.size : 0);
  }
  return Object.keys(v as object).length;
}
