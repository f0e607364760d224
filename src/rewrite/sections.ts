// A read of a module's import and memory sections, for what binaryen.js does
// not expose: how many memories a module has, and whether it imports from
// the reserved namespace (a guest that did could reach the dirty map).
import { UnsupportedModuleError } from '../errors.js';
import { REWIND_NS } from './info.js';
import { readS32, readU32 } from './leb.js';

const IMPORT_SECTION = 2;
const MEMORY_SECTION = 5;
const START_SECTION = 8;
const DATA_SECTION = 11;
const I32_CONST = 0x41;
const END = 0x0b;

/** A section of a module: its id, where it starts (the id byte), where its contents start and end. */
export interface Section { id: number; start: number; body: number; end: number }

/** The module's sections in order (after the 8-byte header). */
export function* sections(bytes: Uint8Array): Generator<Section> {
  for (let start = 8; start < bytes.length;) {
    const [size, sizeLen] = readU32(bytes, start + 1);
    const body = start + 1 + sizeLen;
    yield { id: bytes[start]!, start, body, end: body + size };
    start = body + size;
  }
}

/** Whether the module names a start function (run by every instantiation). */
export function hasStart(bytes: Uint8Array): boolean {
  for (const { id } of sections(bytes)) if (id === START_SECTION) return true;
  return false;
}

/**
 * The byte ranges [from, to) the active data segments of a (valid,
 * one-memory) module write at instantiation, or null when a segment's
 * offset is not a plain i32.const.
 */
export function activeData(bytes: Uint8Array): [number, number][] | null {
  const out: [number, number][] = [];
  for (const { id, body } of sections(bytes)) {
    if (id !== DATA_SECTION) continue;
    let [count, p] = readU32(bytes, body);
    p += body;
    for (; count > 0; count--) {
      const [flags, f] = readU32(bytes, p);
      p += f;
      if (flags === 2) p += readU32(bytes, p)[1]; // the memory index
      else if (flags !== 0 && flags !== 1) return null;
      let offset = 0;
      if (flags !== 1) {
        if (bytes[p] !== I32_CONST) return null;
        const [value, v] = readS32(bytes, p + 1);
        p += 1 + v;
        if (bytes[p++] !== END) return null;
        offset = value >>> 0;
      }
      const [size, s] = readU32(bytes, p);
      p += s + size;
      if (flags !== 1 && size > 0) out.push([offset, offset + size]);
    }
  }
  return out;
}

/** Throws an UnsupportedModuleError for more than one memory or an import from REWIND_NS. */
export function checkSections(bytes: Uint8Array): void {
  let memories = 0;
  for (const { id, body } of sections(bytes)) {
    if (id === IMPORT_SECTION) memories += readImports(bytes, body);
    if (id === MEMORY_SECTION) memories += readU32(bytes, body)[0];
  }
  if (memories > 1) throw new UnsupportedModuleError(`a core module with ${memories} memories (multi-memory) is not supported`);
}

/** Returns the number of imported memories. */
function readImports(bytes: Uint8Array, start: number): number {
  const decoder = new TextDecoder();
  let p = start;
  const u32 = () => {
    const [v, n] = readU32(bytes, p);
    p += n;
    return v;
  };
  const name = () => {
    const len = u32();
    const s = decoder.decode(bytes.subarray(p, p + len));
    p += len;
    return s;
  };
  const limits = () => {
    const flags = bytes[p++]!;
    u32();
    if (flags & 1) u32();
  };
  const refType = () => {
    const t = bytes[p++]!;
    if (t === 0x63 || t === 0x64) u32(); // (ref null? heaptype): s33, read as LEB
  };
  let memories = 0;
  const count = u32();
  for (let i = 0; i < count; i++) {
    const module = name();
    const field = name();
    if (module === REWIND_NS) throw new UnsupportedModuleError(`a core module imports ${module}.${field}: the "${REWIND_NS}" namespace is reserved`);
    const kind = bytes[p++]!;
    if (kind === 0) u32();
    else if (kind === 1) { refType(); limits(); }
    else if (kind === 2) { memories++; limits(); }
    else if (kind === 3) { refType(); p++; }
    else if (kind === 4) { p++; u32(); }
    else throw new UnsupportedModuleError(`a core module has an import of unknown kind ${kind}`);
  }
  return memories;
}
