// Mutations of a core wasm module for fuzzing. Besides blind byte changes
// (which mostly break parsing), two kinds keep the module valid or nearly so,
// so that mutants get past validation and actually run: a byte of a data
// segment's payload, and the immediate of an `i32.const` in a function body,
// rewritten in place with the same LEB128 length.

/** Deterministic xorshift32, so a failing mutant can be replayed from its seed. */
export function prng(seed: number) {
  let s = seed >>> 0 || 1;
  return (n: number): number => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s % n;
  };
}

interface Section { id: number; start: number; end: number }

function uleb(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0, shift = 0, b: number;
  do {
    b = bytes[at++]!;
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return [value, at];
}

function sleb32Length(bytes: Uint8Array, at: number): number {
  let n = 0;
  while (bytes[at + n]! & 0x80) n++;
  return n + 1;
}

/** Writes `value` as a signed LEB128 of exactly `length` bytes (padded with continuation bytes). */
function writeSleb(bytes: Uint8Array, at: number, length: number, value: number): void {
  let v = BigInt.asIntN(32, BigInt(value));
  for (let i = 0; i < length; i++) {
    const last = i === length - 1;
    bytes[at + i] = Number(v & 0x7fn) | (last ? 0 : 0x80);
    v >>= 7n;
  }
}

export function sections(bytes: Uint8Array): Section[] {
  const out: Section[] = [];
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at]!;
    const [size, body] = uleb(bytes, at + 1);
    out.push({ id, start: body, end: body + size });
    at = body + size;
  }
  return out;
}

/** Byte ranges of every data segment's payload. */
export function dataPayloads(bytes: Uint8Array): [start: number, end: number][] {
  const data = sections(bytes).find((s) => s.id === 11);
  if (!data) return [];
  let [count, at] = uleb(bytes, data.start);
  const out: [number, number][] = [];
  while (count--) {
    const [flags, next] = uleb(bytes, at);
    at = next;
    if (flags === 2) at = uleb(bytes, at)[1]; // memory index
    if (flags !== 1) { // active: skip the offset expression up to its `end`
      while (bytes[at] !== 0x0b) at++;
      at++;
    }
    const [len, payload] = uleb(bytes, at);
    if (len) out.push([payload, payload + len]);
    at = payload + len;
  }
  return out;
}

/** Offsets of candidate `i32.const` opcodes (0x41) inside function bodies (a heuristic scan). */
export function i32Consts(bytes: Uint8Array): number[] {
  const code = sections(bytes).find((s) => s.id === 10);
  if (!code) return [];
  const out: number[] = [];
  for (let at = code.start; at < code.end; at++) if (bytes[at] === 0x41) out.push(at);
  return out;
}

export type MutationKind = 'data' | 'i32.const' | 'bytes';

/** A mutated copy of `module` and a description of the change. */
export function mutate(module: Uint8Array, kind: MutationKind, rand: (n: number) => number): { bytes: Uint8Array; what: string } {
  const bytes = new Uint8Array(module);
  if (kind === 'data') {
    const payloads = dataPayloads(bytes);
    const [start, end] = payloads[rand(payloads.length)]!;
    const at = start + rand(end - start);
    const value = rand(256);
    bytes[at] = value === bytes[at] ? value ^ 1 : value;
    return { bytes, what: `data byte at ${at} = ${bytes[at]}` };
  }
  if (kind === 'i32.const') {
    const consts = i32Consts(bytes);
    const at = consts[rand(consts.length)]!;
    const length = Math.min(5, sleb32Length(bytes, at + 1));
    const choices = [0, 1, -1, 2 ** (7 * length - 1) - 1, rand(64), -rand(64)];
    const value = choices[rand(choices.length)]!;
    writeSleb(bytes, at + 1, length, value);
    return { bytes, what: `i32.const at ${at} = ${value}` };
  }
  const changes: string[] = [];
  for (let k = 1 + rand(4); k > 0; k--) {
    const at = 8 + rand(bytes.length - 8);
    bytes[at] = rand(256);
    changes.push(`${at}=${bytes[at]}`);
  }
  return { bytes, what: `bytes ${changes.join(' ')}` };
}
