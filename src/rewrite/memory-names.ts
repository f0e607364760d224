// Drops the memory names from a module's name section before binaryen reads
// it. binaryen.js cannot list memories, so the rewriter names the one memory
// by what binaryen calls an unnamed one ("mimport$0" imported, "0" defined,
// or the internal name its export gives); a name from the name section
// would make that guess wrong. Memory names only serve debuggers.
import { readU32, writeU32 } from './leb.js';
import { sections } from './sections.js';

const CUSTOM_SECTION = 0;
const MEMORY_NAMES = 6;

/** The module with the "name" section's memory-names subsection removed (unchanged if it has none or is malformed). */
export function withoutMemoryNames(bytes: Uint8Array): Uint8Array {
  try {
    for (const { id, start, body, end } of sections(bytes)) {
      if (id !== CUSTOM_SECTION) continue;
      const [nameLen, n] = readU32(bytes, body);
      const subsections = body + n + nameLen;
      if (new TextDecoder().decode(bytes.subarray(body + n, subsections)) !== 'name') continue;
      const kept = keptSubsections(bytes, subsections, end);
      if (!kept) return bytes;
      const contents = [bytes.subarray(body, subsections), ...kept];
      const length = contents.reduce((total, part) => total + part.length, 0);
      return Buffer.concat([bytes.subarray(0, start), Uint8Array.from([CUSTOM_SECTION, ...writeU32(length)]), ...contents, bytes.subarray(end)]);
    }
  } catch {
    // A malformed name section is binaryen's to report or ignore, as before.
  }
  return bytes;
}

/** The subsections in [from, end) other than the memory names, or null when there are none to drop. */
function keptSubsections(bytes: Uint8Array, from: number, end: number): Uint8Array[] | null {
  const kept: Uint8Array[] = [];
  let dropped = false;
  for (let p = from; p < end;) {
    const [size, sizeLen] = readU32(bytes, p + 1);
    const next = p + 1 + sizeLen + size;
    if (next > end) throw new RangeError('name subsection overruns its section');
    if (bytes[p] === MEMORY_NAMES) dropped = true;
    else kept.push(bytes.subarray(p, next));
    p = next;
  }
  return dropped ? kept : null;
}
