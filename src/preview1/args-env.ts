// args_* and environ_*: the run's arguments and environment, encoded once
// per run (NUL-terminated, environment entries as KEY=VALUE).
import type { Context } from './context.js';
import { E } from './errno.js';

const encoder = new TextEncoder();

interface Encoded { count: number; size: number; items: Uint8Array[] }

function encode(strings: string[]): Encoded {
  const items = strings.map((s) => encoder.encode(`${s}\0`));
  const size = items.reduce((n, b) => n + b.length, 0);
  if (size > 0xffffffff) throw E.OVERFLOW;
  return { count: items.length, size, items };
}

export function argsEnv(ctx: Context) {
  let args: Encoded | null = null;
  let env: Encoded | null = null;
  let argsFrom: unknown = null;
  let envFrom: unknown = null;
  // The host hands out the same array for the whole run: re-encode only when it changes.
  const getArgs = () => {
    const a = ctx.p2.args();
    if (a !== argsFrom || !args) { args = encode(a); argsFrom = a; }
    return args;
  };
  const getEnv = () => {
    const e = ctx.p2.env();
    if (e !== envFrom || !env) { env = encode(e.map(([k, v]) => `${k}=${v}`)); envFrom = e; }
    return env;
  };
  const sizes = (get: () => Encoded) => (countPtr: number, sizePtr: number) => {
    const { count, size } = get();
    ctx.mem.setU32(countPtr, count);
    ctx.mem.setU32(sizePtr, size);
    return E.SUCCESS;
  };
  const fill = (get: () => Encoded) => (listPtr: number, bufPtr: number) => {
    const { items } = get();
    let list = listPtr >>> 0;
    let buf = bufPtr >>> 0;
    for (const item of items) {
      ctx.mem.setU32(list, buf);
      ctx.mem.write(buf, item);
      list += 4;
      buf += item.length;
    }
    return E.SUCCESS;
  };
  return {
    args_sizes_get: sizes(getArgs),
    args_get: fill(getArgs),
    environ_sizes_get: sizes(getEnv),
    environ_get: fill(getEnv),
  };
}
