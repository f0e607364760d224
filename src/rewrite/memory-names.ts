// Drops the memory names from a module's name section before binaryen reads
// it. binaryen.js cannot list memories, so the rewriter names the one memory
// by what binaryen calls an unnamed one ("mimport$0" imported, "0" defined,
// or the internal name its export gives); a name from the name section
// would make that guess wrong. Memory names only serve debuggers.
import { readU32, writeU32 } from './leb.js';

const CUSTOM_SECTION = 0;
const MEMORY_NAMES = 6;

/** The module with the "name" section's memory-names subsection removed (unchanged if it has none or is malformed). */
export function withoutMemoryNames(bytes: Uint8Array): Uint8Array {
  try {
    let pos = 8;
    while (pos < bytes.length) {
      const [size, sizeLen] = readU32(bytes, pos + 1);
      const body = pos + 1 + sizeLen;
      const end = body + size;
      if (bytes[pos] === CUSTOM_SECTION) {
        const [nameLen, n] = readU32(bytes, body);
        const subsections = body + n + nameLen;
        if (new TextDecoder().decode(bytes.subarray(body + n, subsections)) === 'name') {
          const kept = dropSubsection(bytes, subsections, end);
          if (kept) return splice(bytes, pos, end, [...bytes.subarray(body, subsections), ...kept]);
        }
      }
      pos = end;
    }
  } catch {
    // A malformed name section is binaryen's to report or ignore, as before.
  }
  return bytes;
}

/** The subsections in [from, end) without the memory names, or null when there are none to drop. */
function dropSubsection(bytes: Uint8Array, from: number, end: number): Uint8Array | null {
  const parts: Uint8Array[] = [];
  let dropped = false;
  for (let p = from; p < end;) {
    const [size, sizeLen] = readU32(bytes, p + 1);
    const next = p + 1 + sizeLen + size;
    if (next > end) throw new RangeError('name subsection overruns its section');
    if (bytes[p] === MEMORY_NAMES) dropped = true;
    else parts.push(bytes.subarray(p, next));
    p = next;
  }
  return dropped ? Buffer.concat(parts) : null;
}

/** `bytes` with the section [start, end) replaced by a custom section holding `body`. */
function splice(bytes: Uint8Array, start: number, end: number, body: number[]): Uint8Array {
  return Buffer.concat([bytes.subarray(0, start), Uint8Array.from([CUSTOM_SECTION, ...writeU32(body.length), ...body]), bytes.subarray(end)]);
}
