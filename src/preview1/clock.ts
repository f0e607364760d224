// clock_res_get and clock_time_get over wasi:clocks. Process and thread CPU
// clocks do not exist in WASI 0.2: EBADF, as Wasmtime.
import type { Context } from './context.js';
import { nanos } from './convert.js';
import { E } from './errno.js';
import { enumValue } from './abi.js';

export const CLOCK = { realtime: 0, monotonic: 1, process: 2, thread: 3 } as const;

export function clock(ctx: Context) {
  return {
    clock_res_get(id: number, resultPtr: number) {
      const clock = enumValue(id, 4);
      let res: bigint;
      if (clock === CLOCK.realtime) res = nanos(ctx.p2.wallResolution());
      else if (clock === CLOCK.monotonic) res = ctx.p2.monotonicResolution();
      else throw E.BADF;
      ctx.mem.setU64(resultPtr, res);
      return E.SUCCESS;
    },
    clock_time_get(id: number, _precision: bigint, resultPtr: number) {
      const clock = enumValue(id, 4);
      let now: bigint;
      if (clock === CLOCK.realtime) now = nanos(ctx.p2.wallNow());
      else if (clock === CLOCK.monotonic) now = ctx.p2.monotonicNow();
      else throw E.BADF;
      ctx.mem.setU64(resultPtr, now);
      return E.SUCCESS;
    },
  };
}
