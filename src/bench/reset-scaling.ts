// Reset cost against what a run dirtied: a program with a 64 MiB memory
// dirties 1 page or all 1000 of its buffer's pages; the reset is timed and
// set beside memcpy of the dirtied bytes and of the whole memory.
import { ReusableInstance } from '../instance.js';
import type { ResetScaling } from './report.js';

function memcpyUs(bytes: number, repeat: number): number {
  const src = new Uint8Array(bytes).fill(7);
  const dst = new Uint8Array(bytes);
  dst.set(src);
  const t0 = performance.now();
  for (let i = 0; i < repeat; i++) dst.set(src);
  return ((performance.now() - t0) / repeat) * 1000;
}

export async function measureResetScaling(touchWasm: string): Promise<ResetScaling[]> {
  const inst = await ReusableInstance.create(touchWasm);
  const out: ResetScaling[] = [];
  for (const [pages, repeat] of [[1, 2000], [10, 1000], [100, 200], [1000, 50]] as const) {
    const times: number[] = [];
    for (let i = 0; i < repeat + 20; i++) {
      inst.runSync({ args: [String(pages)] });
      const { resetMs } = inst.reset();
      if (i >= 20) times.push(resetMs);
    }
    const memoryMiB = Math.round((inst.stats().memoryPages[0]! * 65536) / 2 ** 20);
    out.push({
      dirtiedPages: pages,
      memoryMiB,
      resetUs: (times.reduce((a, b) => a + b, 0) / times.length) * 1000,
      memcpyDirtiedUs: memcpyUs(pages * 65536, Math.max(20, 2000 / pages)),
      memcpyWholeUs: memcpyUs(memoryMiB * 2 ** 20, 20),
    });
  }
  return out;
}
