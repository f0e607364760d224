// Names the parts of a linear memory from what the module tells us
// (src/lab/layout.ts) and the snapshot: data segments, the stack below the
// snapshot's `__stack_pointer`, static zeroed data, the heap, and pages
// grown during the run. Without `__heap_base` exported, wasm-ld's default
// 64 KiB stack size places the stack's bottom (data-first layout) and the
// heap starts at the stack's top; with --stack-first the stack is [0, sp).
import { PAGE } from '../rewrite/info.js';
import type { Layout } from './layout.js';

export interface Region { name: string; start: number; end: number }

/** wasm-ld's default `-z stack-size`. */
const DEFAULT_STACK = 65536;

export function regionsOf(layout: Layout | null, stackPointer: number | null, snapshotPages: number, maxBytes: number): Region[] {
  const top = snapshotPages * PAGE;
  const cuts: Region[] = [];
  const add = (name: string, start: number, end: number) => {
    start = Math.max(start, cuts.at(-1)?.end ?? 0);
    end = Math.min(end, top);
    if (end > start) cuts.push({ name, start, end });
  };
  if (layout && layout.segments.length) {
    const dataStart = Math.min(...layout.segments.map((s) => s.start));
    const dataEnd = Math.max(...layout.segments.map((s) => s.end));
    const heapBase = layout.constants.get('__heap_base');
    if (stackPointer !== null && stackPointer <= dataStart) {
      add('stack', 0, stackPointer);
      add('low memory', stackPointer, dataStart);
      add('data', dataStart, dataEnd);
      if (heapBase !== undefined) add('bss', dataEnd, heapBase);
      add(heapBase !== undefined ? 'heap' : 'bss + heap', dataEnd, top);
    } else {
      add('low memory', 0, dataStart);
      add('data', dataStart, dataEnd);
      if (stackPointer !== null) {
        add('bss', dataEnd, Math.max(dataEnd, stackPointer - DEFAULT_STACK));
        add('stack', dataEnd, stackPointer);
        add('heap', stackPointer, top);
      } else {
        if (heapBase !== undefined) add('bss', dataEnd, heapBase);
        add(heapBase !== undefined ? 'heap' : 'bss + heap', dataEnd, top);
      }
    }
  }
  add('memory', 0, top);
  if (maxBytes > top) cuts.push({ name: 'grown in run', start: top, end: maxBytes });
  return cuts;
}
