// wasi:http `fields` (headers and trailers): an ordered multimap of lowercase-
// insensitive names to byte values, with the spec's rules:
// - a fields resource handed out as a child (request/response headers,
//   trailers) is immutable: set, append and delete fail with `immutable`;
// - names must be HTTP tokens and values valid field values (no CR, LF, NUL
//   or other controls but tab), else `invalid-syntax`;
// - hop-by-hop and routing headers are `forbidden` (Wasmtime's default list);
// - the total size is bounded (a guest call cannot make the host hold more).

/** Headers a guest may neither set nor receive (Wasmtime's DEFAULT_FORBIDDEN_HEADERS). */
export const FORBIDDEN_HEADERS: ReadonlySet<string> = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection',
  'transfer-encoding', 'upgrade', 'host', 'http2-settings',
]);

/** Most bytes (names + values) and entries one fields resource holds. */
export const MAX_FIELDS_BYTES = 64 << 10;
export const MAX_FIELDS_ENTRIES = 1024;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export type HeaderError = { tag: 'invalid-syntax' } | { tag: 'forbidden' } | { tag: 'immutable' };
const INVALID: HeaderError = Object.freeze({ tag: 'invalid-syntax' });
const FORBIDDEN: HeaderError = Object.freeze({ tag: 'forbidden' });
const IMMUTABLE: HeaderError = Object.freeze({ tag: 'immutable' });

export function validName(name: unknown): name is string {
  return typeof name === 'string' && TOKEN.test(name);
}

export function validValue(value: unknown): value is Uint8Array {
  if (!(value instanceof Uint8Array)) return false;
  for (const b of value) if ((b < 0x20 && b !== 0x09) || b === 0x7f) return false;
  return true;
}

type Entry = [name: string, value: Uint8Array];

export class Fields {
  // Set by the host on fields it hands out as children; guests cannot unlock.
  #immutable = false;
  #entries: Entry[] = [];
  #bytes = 0;

  static fromList(entries: [string, Uint8Array][]): Fields {
    const fields = new Fields();
    for (const [name, value] of entries) fields.append(name, value);
    return fields;
  }

  /** Fields from trusted, already filtered entries (incoming requests), immutable. */
  static frozen(entries: Entry[]): Fields {
    const fields = new Fields();
    for (const [name, value] of entries) fields.#add(name, value);
    fields.#immutable = true;
    return fields;
  }

  /** Makes the fields immutable (once they belong to a request, response or trailers). */
  static freeze(fields: Fields): Fields {
    fields.#immutable = true;
    return fields;
  }

  get(name: string): Uint8Array[] {
    const key = name.toLowerCase();
    return this.#entries.filter(([n]) => n === key).map(([, v]) => v.slice());
  }

  has(name: string): boolean {
    const key = name.toLowerCase();
    return this.#entries.some(([n]) => n === key);
  }

  set(name: string, values: Uint8Array[]): void {
    const key = this.#check(name);
    for (const v of values) if (!validValue(v)) throw INVALID;
    const kept = this.#entries.filter(([n]) => n !== key);
    const removed = this.#entries.length - kept.length;
    const freed = this.#entries.filter(([n]) => n === key).reduce((s, [n, v]) => s + n.length + v.length, 0);
    const added = values.reduce((s, v) => s + key.length + v.length, 0);
    if (this.#bytes - freed + added > MAX_FIELDS_BYTES || this.#entries.length - removed + values.length > MAX_FIELDS_ENTRIES) throw INVALID;
    this.#entries = kept;
    this.#bytes -= freed;
    for (const v of values) this.#add(key, v);
  }

  delete(name: string): void {
    const key = this.#check(name);
    const kept = this.#entries.filter(([n]) => n !== key);
    for (const [n, v] of this.#entries) if (n === key) this.#bytes -= n.length + v.length;
    this.#entries = kept;
  }

  append(name: string, value: Uint8Array): void {
    const key = this.#check(name);
    if (!validValue(value)) throw INVALID;
    if (this.#bytes + key.length + value.length > MAX_FIELDS_BYTES || this.#entries.length >= MAX_FIELDS_ENTRIES) throw INVALID;
    this.#add(key, value);
  }

  entries(): [string, Uint8Array][] {
    return this.#entries.map(([n, v]) => [n, v.slice()]);
  }

  /** A mutable copy. */
  clone(): Fields {
    const copy = new Fields();
    for (const [n, v] of this.#entries) copy.#add(n, v);
    return copy;
  }

  /** Validates a name for a mutation; returns it lowercased. */
  #check(name: string): string {
    if (this.#immutable) throw IMMUTABLE;
    if (!validName(name)) throw INVALID;
    const key = name.toLowerCase();
    if (FORBIDDEN_HEADERS.has(key)) throw FORBIDDEN;
    return key;
  }

  #add(name: string, value: Uint8Array): void {
    this.#entries.push([name, value.slice()]);
    this.#bytes += name.length + value.length;
  }
}
