// Keeps the names the rewriter gives what it adds (all starting with
// RESERVED) free of the guest's, before binaryen reads the module:
//  - binaryen names functions, globals and tables after the "name" section
//    (else after their export, else by index), and adding a second item of
//    one name fails. A name subsection that mentions RESERVED anywhere is
//    dropped (a byte search: at worst a debugger loses some names);
//  - a guest export starting with RESERVED is refused (reservedExports):
//    the runtime finds the rewriter's exports by those names.
// The memory names are always dropped: binaryen.js cannot list memories, so
// the rewriter names the one memory by what binaryen calls an unnamed one
// ("mimport$0" imported, "0" defined, or the internal name its export gives).
import { UnsupportedModuleError } from '../errors.js';
import { readU32, writeU32 } from './leb.js';
import { sections } from './sections.js';

export const RESERVED = '__rewind_';
const CUSTOM_SECTION = 0;
const MEMORY_NAMES = 6;
const RESERVED_BYTES = Buffer.from(RESERVED);

/** The module with the "name" subsections removed that could clash (unchanged if there are none, or the section is malformed). */
export function withoutClashingNames(bytes: Uint8Array): Uint8Array {
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

/** The subsections in [from, end) to keep, or null when none is dropped. */
function keptSubsections(bytes: Uint8Array, from: number, end: number): Uint8Array[] | null {
  const kept: Uint8Array[] = [];
  let dropped = false;
  for (let p = from; p < end;) {
    const [size, sizeLen] = readU32(bytes, p + 1);
    const next = p + 1 + sizeLen + size;
    if (next > end) throw new RangeError('name subsection overruns its section');
    const subsection = bytes.subarray(p, next);
    // A Buffer view of the same bytes (Buffer.from(subsection) would copy them) for its includes().
    const view = Buffer.from(subsection.buffer, subsection.byteOffset, subsection.length);
    if (bytes[p] === MEMORY_NAMES || view.includes(RESERVED_BYTES)) dropped = true;
    else kept.push(subsection);
    p = next;
  }
  return dropped ? kept : null;
}

/** Refuses a guest export whose name the rewriter's exports could take. */
export function reservedExports(names: string[]): void {
  const clash = names.find((name) => name.startsWith(RESERVED));
  if (clash !== undefined) throw new UnsupportedModuleError(`the module exports ${JSON.stringify(clash)}: export names starting with "${RESERVED}" are reserved for wasi-rewind`);
}
