// One memory's delta over a run: the chunks the dirty map marked (what a
// restore copies back), those whose bytes really differ from the snapshot
// (what any reset must undo), grouped by region, and the pages grown. With
// memoryTracking 'scan' nothing is marked and the restore compares every
// chunk: all of them count as marked.
import { CHUNK, PAGE } from '../rewrite/info.js';
import type { TrackedMemory } from '../memory/tracked-memory.js';
import type { Region } from './regions.js';

/** A region's share of the run: marked/changed chunks overlapping it, and the changed bytes inside it. */
export interface RegionDelta extends Region { chunksMarked: number; chunksChanged: number; bytesChanged: number }

export interface MemoryDelta {
  memory: number;
  snapshotPages: number;
  pagesAfterRun: number;
  chunksMarked: number;
  chunksChanged: number;
  bytesChanged: number;
  regions: RegionDelta[];
  /** Half-open runs of chunk indices, for heat maps. */
  marked: [number, number][];
  changed: [number, number][];
}

export function memoryDelta(index: number, m: TrackedMemory, regions: Region[]): MemoryDelta {
  const map = new Uint8Array(m.mapMemory.buffer);
  const words = new Float64Array(m.mapMemory.buffer);
  const mem = new Uint8Array(m.memory!.buffer);
  const image = m.snapshotImage;
  const chunks = Math.ceil(mem.length / CHUNK);
  const out: MemoryDelta = {
    memory: index, snapshotPages: image.length / PAGE, pagesAfterRun: m.vpages.value,
    chunksMarked: 0, chunksChanged: 0, bytesChanged: 0,
    regions: regions.map((r) => ({ ...r, chunksMarked: 0, chunksChanged: 0, bytesChanged: 0 })), marked: [], changed: [],
  };
  let first = 0; // regions are sorted and chunks visited in order
  const all = m.scanned;
  for (let w = 0; w * 8 < chunks; w++) {
    if (!all && words[w] === 0) continue;
    for (let c = w * 8; c < Math.min(w * 8 + 8, chunks); c++) {
      if (!all && !map[c]) continue;
      const start = c * CHUNK;
      const end = Math.min(start + CHUNK, mem.length);
      out.chunksMarked++;
      extend(out.marked, c);
      let diff = 0;
      while (first < out.regions.length && out.regions[first]!.end <= start) first++;
      for (let r = first; r < out.regions.length && out.regions[r]!.start < end; r++) {
        const region = out.regions[r]!;
        const n = differing(mem, image, Math.max(start, region.start), Math.min(end, region.end));
        region.chunksMarked++;
        if (n) { region.chunksChanged++; region.bytesChanged += n; }
        diff += n;
      }
      if (diff) {
        out.chunksChanged++;
        out.bytesChanged += diff;
        extend(out.changed, c);
      }
    }
  }
  return out;
}
function extend(runs: [number, number][], c: number): void {
  const last = runs.at(-1);
  if (last && last[1] === c) last[1] = c + 1;
  else runs.push([c, c + 1]);
}

/** Bytes of mem[start, end) that differ from the image (zero above it). */
function differing(mem: Uint8Array, image: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) if (mem[i] !== (i < image.length ? image[i] : 0)) n++;
  return n;
}
