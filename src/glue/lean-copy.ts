// Lean byte-list copies: jco lifts a list<u8> from guest memory (a stream
// write's contents, for one) as `new Uint8Array(memoryN.buffer.slice(a, b))`.
// ArrayBuffer.prototype.slice makes a new backing store each time, about
// 750 ns for a few bytes, a seventh of a component hello's call. The
// replacement copies into a new Uint8Array instead (small ones live on the
// JavaScript heap), about 100 ns, with slice()'s semantics: the same
// clamping of a and b (negative counts from the end, past the end stops
// there, an empty range is empty), a result that owns a buffer of exactly
// the copied length. Only that exact expression is replaced.
import * as walk from 'acorn-walk';
import { instantiateOf, parseGlue, type Node } from './ast.js';
import { applyEdits, type Edit } from './edits.js';

export const SLICE_BYTES = '_rewindSliceBytes';

/** What replaces `new Uint8Array(memory.buffer.slice(start, end))` (kept as source: it goes into the glue). */
export const SLICE_BYTES_DECL = `function ${SLICE_BYTES}(memory, start, end) {
    const buffer = memory.buffer;
    const size = buffer.byteLength;
    const at = (x) => { const n = Number.isNaN(x) ? 0 : Math.trunc(x); return n < 0 ? Math.max(size + n, 0) : Math.min(n, size); };
    const first = at(start);
    const out = new Uint8Array(Math.max(at(end) - first, 0));
    out.set(new Uint8Array(buffer, first, out.length));
    return out;
  }
`;

export function leanCopies(source: string): { source: string; copies: number } {
  const instantiate = instantiateOf(parseGlue(source));
  if (!instantiate) return { source, copies: 0 };
  const edits: Edit[] = [];
  walk.simple(instantiate, {
    NewExpression(node: Node) {
      const slice = node.arguments[0];
      if (node.callee.type !== 'Identifier' || node.callee.name !== 'Uint8Array' || node.arguments.length !== 1) return;
      if (slice?.type !== 'CallExpression' || slice.arguments.length !== 2 || slice.arguments.some((a: Node) => a.type === 'SpreadElement')) return;
      const callee = slice.callee;
      if (callee.type !== 'MemberExpression' || callee.computed || callee.property.name !== 'slice') return;
      const buffer = callee.object;
      if (buffer.type !== 'MemberExpression' || buffer.computed || buffer.property.name !== 'buffer' || buffer.object.type !== 'Identifier') return;
      const [a, b] = slice.arguments;
      edits.push({ at: node.start, end: node.end, text: `${SLICE_BYTES}(${buffer.object.name}, ${source.slice(a.start, a.end)}, ${source.slice(b.start, b.end)})` });
    },
  });
  if (edits.length === 0) return { source, copies: 0 };
  edits.push({ at: instantiate.body.start + 1, end: instantiate.body.start + 1, text: `\n  ${SLICE_BYTES_DECL}` });
  return { source: applyEdits(source, edits), copies: edits.length - 1 };
}
