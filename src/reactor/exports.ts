// The callable exports of an instantiated component, by WIT name. jco's
// instantiation-mode glue returns root functions under their lowerCamelCase
// name and each exported interface as an object (under its full name and an
// unversioned alias) holding lowerCamelCase functions and UpperCamelCase
// resource classes. Names here are the WIT ones: `transform`,
// `pkg:ns/iface@1.0.0#transform`, and for resources the canonical ABI's
// `iface#[constructor]counter`, `iface#[method]counter.tick`,
// `iface#[static]counter.make`, and `iface#[drop]counter` (the glue's
// Symbol.dispose: the guest's destructor, now rather than never).

/** Invokes one export with already-checked arguments. */
export type Callable = ((args: unknown[]) => unknown) & { arity: number };

/** Interfaces of wasi-rewind's own protocol: called by the host, not listed. */
export const HOST_PROTOCOL = /^wasi-rewind:(reuse|reset)\//;

/** jco's exports list: [name, 'function' | 'instance']. */
export type ExportList = [string, string][];

/** lowerCamelCase or UpperCamelCase -> kebab-case, as jco derived it from WIT. */
export function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

export function exportTable(exports: Record<string, unknown>, list: ExportList): Map<string, Callable> {
  const table = new Map<string, Callable>();
  const add = (name: string, arity: number, invoke: (args: unknown[]) => unknown) => {
    table.set(name, Object.assign(invoke, { arity }));
  };
  const seen = new Set<unknown>();
  // Full (namespaced) interface names first, so an unversioned alias of the same object is skipped.
  const ordered = [...list].sort(([a], [b]) => Number(b.includes(':')) - Number(a.includes(':')));
  for (const [name, kind] of ordered) {
    if (HOST_PROTOCOL.test(name)) {
      seen.add(exports[name]); // and its unversioned alias with it
      continue;
    }
    if (kind === 'function') {
      const fn = exports[camel(name)];
      if (typeof fn === 'function') add(name, fn.length, (args) => fn(...args));
      continue;
    }
    const iface = exports[name];
    if (!iface || typeof iface !== 'object' || seen.has(iface)) continue;
    seen.add(iface);
    for (const [key, value] of Object.entries(iface)) {
      if (typeof value !== 'function') continue;
      if (/^[A-Z]/.test(key)) addResource(`${name}#`, kebab(key), value as new (...a: unknown[]) => object, add);
      else add(`${name}#${kebab(key)}`, value.length, (args) => value(...args));
    }
  }
  return table;
}

function addResource(prefix: string, resource: string, cls: new (...a: unknown[]) => object, add: (name: string, arity: number, invoke: (args: unknown[]) => unknown) => void) {
  add(`${prefix}[constructor]${resource}`, cls.length, (args) => new cls(...args));
  for (const key of Object.getOwnPropertyNames(cls.prototype)) {
    const method = (cls.prototype as Record<string, unknown>)[key];
    if (key === 'constructor' || typeof method !== 'function') continue;
    // The receiver is the first argument, as in the canonical ABI's lowering.
    add(`${prefix}[method]${resource}.${kebab(key)}`, method.length + 1, ([self, ...rest]) => {
      if (!(self instanceof cls)) throw new TypeError(`expected a ${resource} resource as the first argument`);
      return method.apply(self, rest);
    });
  }
  add(`${prefix}[drop]${resource}`, 1, ([self]) => {
    if (!(self instanceof cls)) throw new TypeError(`expected a ${resource} resource`);
    (self as { [Symbol.dispose]?: () => void })[Symbol.dispose]?.();
  });
  for (const key of Object.getOwnPropertyNames(cls)) {
    const fn = (cls as unknown as Record<string, unknown>)[key];
    if (['length', 'name', 'prototype'].includes(key) || typeof fn !== 'function') continue;
    add(`${prefix}[static]${resource}.${kebab(key)}`, fn.length, (args) => fn.apply(cls, args));
  }
}

/** kebab-case -> lowerCamelCase, jco's rule for function names. */
function camel(name: string): string {
  return name.replace(/-([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
}
