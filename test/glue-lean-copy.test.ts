// Lean byte-list copies (src/glue/lean-copy.ts): the replacement for jco's
// `new Uint8Array(memory.buffer.slice(a, b))` gives the same bytes, length
// and buffer for every range slice() accepts, and only that expression is
// replaced.
import { describe, expect, it } from 'vitest';
import { leanCopies, SLICE_BYTES, SLICE_BYTES_DECL } from '../src/glue/lean-copy.js';

const sliceBytes = new Function(`${SLICE_BYTES_DECL}; return ${SLICE_BYTES};`)() as (m: WebAssembly.Memory, a: number, b: number) => Uint8Array;

describe('lean byte-list copies', () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
  new Uint8Array(memory.buffer).forEach((_, i, a) => (a[i] = (i * 31) & 255));
  const size = memory.buffer.byteLength;
  const ends = [0, 1, 13, 4096, size - 1, size, size + 1, 2 ** 32, -1, -13, -size, -size - 5, 0.5, 12.9, -0.5, NaN, Infinity, -Infinity];

  it('copy what slice() copies, for every start and end', () => {
    for (const a of ends) {
      for (const b of ends) {
        const want = new Uint8Array(memory.buffer.slice(a, b));
        const got = sliceBytes(memory, a, b);
        expect(got, `${a}..${b}`).toEqual(want);
        expect([got.byteOffset, got.buffer.byteLength], `${a}..${b}`).toEqual([0, want.length]);
      }
    }
  });

  it('own their bytes: later guest writes do not show through', () => {
    const got = sliceBytes(memory, 100, 110);
    const before = [...got];
    new Uint8Array(memory.buffer).fill(7, 100, 110);
    expect([...got]).toEqual(before);
  });

  it('read the memory as it is after a grow', () => {
    memory.grow(1);
    new Uint8Array(memory.buffer)[size + 3] = 99;
    expect(sliceBytes(memory, size, size + 5)).toEqual(new Uint8Array(memory.buffer.slice(size, size + 5)));
  });

  it('replace only the exact expression', () => {
    const wrap = (body: string) => `export function instantiate() { ${body} }`;
    const exact = wrap('return new Uint8Array(memory0.buffer.slice(ptr3, ptr3 + len3 * 1));');
    const lean = leanCopies(exact);
    expect(lean.copies).toBe(1);
    expect(lean.source).toContain(`return ${SLICE_BYTES}(memory0, ptr3, ptr3 + len3 * 1);`);
    for (const other of [
      'return new Uint8Array(memory0.buffer.slice(ptr3));',
      'return new Int8Array(memory0.buffer.slice(a, b));',
      'return new Uint8Array(memory0.buffer.slice(...args));',
      'return new Uint8Array(x.memory0.buffer.slice(a, b));',
      'return new Uint8Array(memory0.buffer.subarray(a, b));',
      'return new Uint8Array(memory0.buffer.slice(a, b), 0);',
    ]) expect(leanCopies(wrap(other)), other).toEqual({ source: wrap(other), copies: 0 });
  });
});
