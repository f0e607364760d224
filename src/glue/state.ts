// Snapshot and restore of the glue's bindings (see patch.ts). Values are
// handled by kind: containers (Map, Set, Array, plain objects) are copied
// one level deep and refilled in place, since closures hold them by
// reference; WebAssembly.Globals (instance flags) by value; primitives held
// in `let` bindings are assigned back. Anything else (functions, modules,
// exports) is fixed after instantiation and left alone.
// Each binding gets its own restore closure, built once: resets run often
// and most bindings are empty containers or untouched counters.
import { RestoreError } from '../errors.js';
import { GLUE_STATE_KEY, type GlueBindings } from './patch.js';

type Restorer = () => void;
/** Returns what differs from the snapshot, or null. */
type Checker = () => string | null;

export class GlueState {
  private readonly restorers: { name: string; restore: Restorer }[] = [];
  private readonly checkers: { name: string; check: Checker }[] = [];
  private readonly containers: (() => unknown)[] = [];

  constructor(bindings: GlueBindings) {
    const fixed = new Set(bindings.fixed);
    for (const [name, get] of Object.entries(bindings.get)) {
      const value = get();
      const set = bindings.set[name];
      if (value instanceof WebAssembly.Global) {
        const saved = value.value;
        this.add(name, () => {
          if (value.value !== saved) value.value = saved;
        });
        this.checkers.push({ name, check: () => (Object.is(value.value, saved) ? null : `is ${value.value}, was ${saved}`) });
      } else if (isContainer(value) && !isApi(value)) {
        // A binding the glue never writes (fixed.ts) is only checked by verify().
        if (!fixed.has(name)) this.add(name, containerRestorer(value));
        if (set) this.add(name, () => get() !== value && set(value));
        this.containers.push(get);
        const check = containerChecker(value);
        this.checkers.push({ name, check: () => (get() !== value ? 'is another object' : check()) });
      } else if (set && isPrimitive(value)) {
        this.add(name, () => get() !== value && set(value));
        this.checkers.push({ name, check: () => (Object.is(get(), value) ? null : `is ${String(get())}, was ${String(value)}`) });
      }
    }
  }

  /** Throws a RestoreError naming the first binding that differs from the snapshot. */
  verify(): void {
    for (const { name, check } of this.checkers) {
      const problem = check();
      if (problem) throw new RestoreError(`glue binding ${name} differs from the snapshot after restore: ${problem}`);
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
    const keys = [...copy.keys()];
    const values = [...copy.values()];
    return () => {
      let same = target.size === keys.length;
      for (let i = 0; same && i < keys.length; i++) same = target.get(keys[i]) === values[i] && target.has(keys[i]);
      if (same) return;
      target.clear();
      for (let i = 0; i < keys.length; i++) target.set(keys[i], values[i]);
    };
  }
  if (target instanceof Set) {
    const copy = new Set(target);
    if (copy.size === 0) return () => target.size && target.clear();
    const members = [...copy];
    return () => {
      let same = target.size === members.length;
      for (let i = 0; same && i < members.length; i++) same = target.has(members[i]);
      if (same) return;
      target.clear();
      for (const v of members) target.add(v);
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
        target.length = items.length;
        for (let i = 0; i < items.length; i++) target[i] = items[i];
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
  const values = keys.map((k) => copy[k]);
  return () => {
    for (let i = 0; i < keys.length; i++) if (obj[keys[i]!] !== values[i]) obj[keys[i]!] = values[i];
    // Counting with for-in allocates nothing (V8's enum cache); the keys are walked only if some were
    // added (an inherited enumerable key only sends it down that walk, which deletes own keys only).
    let count = 0;
    for (const _ in obj) count++;
    if (count !== keys.length) for (const k of Object.keys(obj)) if (!(k in copy)) delete obj[k];
  };
}

/** Compares a container with a copy of it taken now (one level deep, as restored). */
function containerChecker(target: unknown): Checker {
  if (target instanceof Map) {
    const copy = [...target];
    return () => (target.size === copy.length && copy.every(([k, v]) => target.has(k) && target.get(k) === v) ? null : 'map entries differ');
  }
  if (target instanceof Set) {
    const copy = [...target];
    return () => (target.size === copy.length && copy.every((v) => target.has(v)) ? null : 'set members differ');
  }
  if (Array.isArray(target)) {
    const items = [...target];
    const props = Object.keys(target).filter((k) => !/^\d+$/.test(k)).map((k) => {
      const value = (target as any)[k];
      return { k, value, check: isContainer(value) ? containerChecker(value) : undefined };
    });
    return () => {
      if (target.length !== items.length || items.some((v, i) => target[i] !== v)) return 'array items differ';
      for (const p of props) {
        if ((target as any)[p.k] !== p.value) return `property ${p.k} differs`;
        const problem = p.check?.();
        if (problem) return `property ${p.k}: ${problem}`;
      }
      return null;
    };
  }
  const obj = target as Record<string, unknown>;
  const copy = { ...obj };
  const keys = Object.keys(copy);
  return () => {
    const now = Object.keys(obj);
    if (now.length !== keys.length || keys.some((k) => !Object.is(obj[k], copy[k]))) return 'object properties differ';
    return null;
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
