// Values a call returns that stand for instance state (resource handles:
// jco class instances of exported resources, host objects of imported ones)
// are handed out behind a Proxy stamped with the instance's epoch, the number
// of rewinds so far. After a rewind the handle numbers they carry belong to
// nobody, or to a resource a later call created: such a value passed back to
// call() throws StaleValueError instead of reaching the glue. Their methods
// are guest (or host) code and run only through call() (`iface#[method]r.m`,
// the value as first argument), where the policy, the capture and the
// accounting apply; calling one directly throws InvalidValueError.
import { InvalidValueError, StaleValueError } from '../errors.js';

interface Stamp { target: object; epoch: number; owner: object }
const stamps = new WeakMap<object, Stamp>();

/** A plain data shape of the canonical ABI's JS mapping (records, variants, lists, tuples). */
function isData(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null || Array.isArray(v);
}

/** Wraps every resource inside a returned value (records, lists, variants walked). */
export function stampValue(value: unknown, owner: object, epoch: () => number): unknown {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || stamps.has(value)) return value;
  if (isData(value)) {
    for (const [k, v] of Object.entries(value)) {
      const stamped = stampValue(v, owner, epoch);
      if (stamped !== v) (value as Record<string, unknown>)[k] = stamped;
    }
    return value;
  }
  const stamp: Stamp = { target: value, epoch: epoch(), owner };
  const check = () => {
    if (stamp.epoch !== epoch()) throw new StaleValueError('this value came from a call before the instance was rewound: it refers to state that no longer exists');
  };
  const proxy = new Proxy(value, {
    get(target, prop) {
      if (prop === 'then') return undefined; // not a thenable, stale or not
      check();
      const v = Reflect.get(target, prop, target) as unknown;
      // Object.prototype's own (toString, valueOf...) touch no instance state.
      if (typeof v !== 'function' || (prop in Object.prototype && v === Reflect.get(Object.prototype, prop))) return v;
      return () => {
        throw new InvalidValueError(`call methods of a value returned by call() through call(), e.g. call('iface#[method]resource.${String(prop)}', [value, ...args])`);
      };
    },
    // Read-only: a handle written into one would name whatever resource has that number.
    set() {
      throw new InvalidValueError('values returned by call() are read-only');
    },
    defineProperty() {
      throw new InvalidValueError('values returned by call() are read-only');
    },
    deleteProperty() {
      throw new InvalidValueError('values returned by call() are read-only');
    },
    setPrototypeOf() {
      throw new InvalidValueError('values returned by call() are read-only');
    },
  });
  stamps.set(proxy, stamp);
  return proxy;
}

/**
 * Replaces stamped values in call arguments by what they wrap, after
 * checking that they are of this instance and of its current epoch.
 */
export function unstampArgs(args: unknown[], owner: object, epoch: number): unknown[] {
  const visit = (v: unknown, depth: number): unknown => {
    if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) return v;
    const stamp = stamps.get(v);
    if (stamp) {
      if (stamp.owner !== owner) throw new StaleValueError('this value was returned by another instance: resources belong to the instance that made them');
      if (stamp.epoch !== epoch) throw new StaleValueError('this value came from a call before the instance was rewound: it refers to state that no longer exists');
      return stamp.target;
    }
    if (!isData(v) || depth > 64) return v;
    if (Array.isArray(v)) return v.map((x) => visit(x, depth + 1));
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, visit(x, depth + 1)]));
  };
  return args.map((a) => visit(a, 0));
}
