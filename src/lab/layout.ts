// What a core module says about its linear memory layout: active data
// segments (with their names from the name section), its global names (to
// find `__stack_pointer`) and `__heap_base`/`__data_end` when exported. Read
// from the bytes, since WebAssembly.Module exposes none of it. A component's
// core modules are found in its top-level core module sections; the one that
// defines a memory describes it.
import { readU32 } from '../rewrite/leb.js';

export interface Segment { start: number; end: number; name: string }

export interface Layout {
  segments: Segment[];
  /** Wasm global index -> name (name section). */
  globalNames: Map<number, string>;
  /** Exported immutable i32 globals with a constant init (`__heap_base`, `__data_end`). */
  constants: Map<string, number>;
  initialPages: number;
  /** Globals of the module as built (imported and defined); higher indices are the rewriter's. */
  globalCount: number;
}

const CUSTOM = 0, IMPORT = 2, MEMORY = 5, GLOBAL = 6, EXPORT = 7, DATA = 11;

/** The layout of the module (or component's core module) that defines a memory, if one does and can be read. */
export function readLayout(bytes: Uint8Array): Layout | null {
  try {
    const isComponent = bytes[4] !== 1; // version 1 is a core module; components have layer 1 in bytes 6-7
    const modules = isComponent ? coreModules(bytes) : [bytes];
    for (const m of modules) {
      const l = readModule(m);
      if (l) return l;
    }
  } catch {
    // A module the lab cannot read only loses its region labels.
  }
  return null;
}

function coreModules(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const { id, body } of sections(bytes)) if (id === 1) out.push(body);
  return out;
}

function* sections(bytes: Uint8Array): Generator<{ id: number; body: Uint8Array }> {
  let pos = 8;
  while (pos < bytes.length) {
    const id = bytes[pos]!;
    const [size, n] = readU32(bytes, pos + 1);
    const start = pos + 1 + n;
    yield { id, body: bytes.subarray(start, start + size) };
    pos = start + size;
  }
}

class Reader {
  p = 0;
  constructor(readonly b: Uint8Array) {}
  u32(): number {
    const [v, n] = readU32(this.b, this.p);
    this.p += n;
    return v;
  }
  /** Signed LEB (i32.const immediates), as a number. */
  s32(): number {
    let result = 0, shift = 0, byte: number;
    do {
      byte = this.b[this.p++]!;
      result |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    return shift < 32 && byte & 0x40 ? result | (~0 << shift) : result;
  }
  name(): string {
    const len = this.u32();
    const s = new TextDecoder().decode(this.b.subarray(this.p, this.p + len));
    this.p += len;
    return s;
  }
  limits(): number {
    const flags = this.b[this.p++]!;
    const min = this.u32();
    if (flags & 1) this.u32();
    return min;
  }
  /** A constant expression; returns its value when it is a single i32.const. */
  constExpr(): number | null {
    let value: number | null = null;
    const op = this.b[this.p++]!;
    if (op === 0x41) value = this.s32();
    else if (op === 0x23 || op === 0xd2) this.u32();
    else if (op === 0x42) while (this.b[this.p++]! & 0x80);
    else if (op === 0x44) this.p += 8;
    else if (op === 0x43) this.p += 4;
    while (this.b[this.p] !== 0x0b) this.p++; // extended constant expressions: not interpreted
    this.p++;
    return value;
  }
}

function readModule(bytes: Uint8Array): Layout | null {
  let importedGlobals = 0;
  let definesMemory = false;
  let initialPages = 0;
  const inits: (number | null)[] = [];
  const exportsByIndex = new Map<number, string>();
  const segments: { start: number; len: number }[] = [];
  const globalNames = new Map<number, string>();
  const dataNames = new Map<number, string>();
  for (const { id, body } of sections(bytes)) {
    const r = new Reader(body);
    if (id === IMPORT) {
      for (let i = 0, n = r.u32(); i < n; i++) {
        r.name(); r.name();
        const kind = r.b[r.p++]!;
        if (kind === 0) r.u32();
        else if (kind === 1) { r.p++; r.limits(); }
        else if (kind === 2) r.limits();
        else if (kind === 3) { r.p += 2; importedGlobals++; }
        else if (kind === 4) { r.p++; r.u32(); }
      }
    } else if (id === MEMORY) {
      if (r.u32() > 0) { definesMemory = true; initialPages = r.limits(); }
    } else if (id === GLOBAL) {
      for (let i = 0, n = r.u32(); i < n; i++) {
        r.p += 2; // value type, mutability
        inits.push(r.constExpr());
      }
    } else if (id === EXPORT) {
      for (let i = 0, n = r.u32(); i < n; i++) {
        const name = r.name();
        const kind = r.b[r.p++]!;
        const index = r.u32();
        if (kind === 3) exportsByIndex.set(index, name);
      }
    } else if (id === DATA) {
      for (let i = 0, n = r.u32(); i < n; i++) {
        const flags = r.u32();
        if (flags === 2) r.u32();
        const start = flags === 1 ? null : r.constExpr();
        const len = r.u32();
        r.p += len;
        segments.push({ start: start ?? -1, len });
      }
    } else if (id === CUSTOM && r.name() === 'name') {
      while (r.p < body.length) {
        const sub = r.b[r.p++]!;
        const size = r.u32();
        const end = r.p + size;
        if (sub === 7 || sub === 9) {
          for (let i = 0, n = r.u32(); i < n; i++) {
            const index = r.u32();
            (sub === 7 ? globalNames : dataNames).set(index, r.name());
          }
        }
        r.p = end;
      }
    }
  }
  if (!definesMemory) return null;
  const constants = new Map<string, number>();
  for (const [index, name] of exportsByIndex) {
    const v = inits[index - importedGlobals];
    if (index >= importedGlobals && v != null) constants.set(name, v >>> 0);
  }
  return {
    segments: segments
      .map((s, i) => ({ start: s.start >>> 0, end: (s.start >>> 0) + s.len, name: dataNames.get(i) ?? `segment ${i}` }))
      .filter((s, i) => segments[i]!.start >= 0 && s.end > s.start),
    globalNames,
    constants,
    initialPages,
    globalCount: importedGlobals + inits.length,
  };
}
