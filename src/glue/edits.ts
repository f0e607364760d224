// Source edits by character range, for the acorn-based glue patches.

export interface Edit { at: number; end: number; text: string }

/** Applies non-overlapping edits, building the result once (glue files are large). */
export function applyEdits(source: string, edits: Edit[]): string {
  const parts: string[] = [];
  let pos = 0;
  for (const e of [...edits].sort((a, b) => a.at - b.at)) {
    parts.push(source.slice(pos, e.at), e.text);
    pos = e.end;
  }
  parts.push(source.slice(pos));
  return parts.join('');
}
