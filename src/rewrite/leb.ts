// Unsigned LEB128, as used for sizes and counts in the wasm binary format.

export function readU32(bytes: Uint8Array, pos: number): [value: number, length: number] {
  let result = 0;
  let shift = 0;
  let i = pos;
  for (;;) {
    const byte = bytes[i++];
    if (byte === undefined) throw new RangeError('truncated LEB128');
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [result, i - pos];
    shift += 7;
  }
}

/** Signed LEB128 (an i32.const immediate): the unsigned reading, sign-extended from its last byte's top bit. */
export function readS32(bytes: Uint8Array, pos: number): [value: number, length: number] {
  const [unsigned, length] = readU32(bytes, pos);
  const bits = 2 ** (7 * length);
  return [unsigned >= bits / 2 ? unsigned - bits : unsigned, length];
}

export function writeU32(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}
