// binaryen.js cannot change a memory's limits, so the one edit we need, more
// initial pages for the dirty map, is made on the emitted binary: the memory
// section is a short vector of limits.
import { readU32, writeU32 } from './leb.js';

const MEMORY_SECTION = 5;

export function addInitialPages(bytes: Uint8Array, pages: number): Uint8Array {
  let pos = 8;
  while (pos < bytes.length) {
    const id = bytes[pos]!;
    const [size, sizeLen] = readU32(bytes, pos + 1);
    const body = pos + 1 + sizeLen;
    if (id === MEMORY_SECTION) {
      const [count, countLen] = readU32(bytes, body);
      let p = body + countLen;
      const flags = bytes[p++]!;
      const [initial, initialLen] = readU32(bytes, p);
      const rest = bytes.subarray(p + initialLen, body + size);
      const content = [...writeU32(count), flags, ...writeU32(initial + pages), ...rest];
      return concat(bytes.subarray(0, pos), [id, ...writeU32(content.length), ...content], bytes.subarray(body + size));
    }
    pos = body + size;
  }
  return bytes;
}

function concat(a: Uint8Array, b: number[], c: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length + c.length);
  out.set(a, 0);
  out.set(b, a.length);
  out.set(c, a.length + b.length);
  return out;
}
