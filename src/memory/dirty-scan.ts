// The restore's walk over a dirty map: finds the marked chunks below a
// limit, eight at a time (marks are 1, so a word of eight clean chunks is
// the double 0), clears them, and hands runs of chunks to rewind to a
// callback. A store that starts in chunk c may spill into c + 1 (at most 15
// bytes), so every run ends with the chunk after its last mark, of which
// the restore rewinds only the first bytes (TrackedMemory.rewindChunks).
export class DirtyScan {
  private readonly words: Float64Array;

  constructor(private readonly map: Uint8Array) {
    this.words = new Float64Array(map.buffer, map.byteOffset, map.byteLength / 8);
  }

  /** Calls `rewind(from, to)` for each run of chunks to rewind below `end`; returns the chunks rewound. */
  forEachRun(end: number, rewind: (from: number, to: number) => void): number {
    const { map, words } = this;
    const lastWord = Math.min(Math.ceil(end / 8), words.length);
    let count = 0;
    let from = -1;
    let to = -1;
    for (let w = 0; w < lastWord; w++) {
      if (words[w] === 0) continue;
      for (let c = w * 8; c < w * 8 + 8; c++) {
        if (map[c] === 0) continue;
        if (from >= 0 && c <= to) {
          to = c + 2;
        } else {
          if (from >= 0) {
            rewind(from, to);
            count += to - from;
          }
          from = c;
          to = c + 2;
        }
      }
      words[w] = 0;
    }
    if (from >= 0) {
      rewind(from, to);
      count += to - from;
    }
    return count;
  }
}
