// poll_oneoff over wasi:io/poll: clock subscriptions become monotonic-clock
// pollables (realtime deadlines are turned into durations), fd subscriptions
// the pollables of the descriptor's stream. One poll; an event per ready
// subscription, in subscription order. Virtual clocks advance instead of
// sleeping (shims/clocks.ts).
import { EVENTRW_HANGUP, SIZE, SUBCLOCK_ABSTIME } from './abi.js';
import { CLOCK } from './clock.js';
import type { Context } from './context.js';
import { nanos } from './convert.js';
import { E } from './errno.js';
import type { Pollable } from './p2.js';

const EVENT = { clock: 0, fdRead: 1, fdWrite: 2 } as const;

interface Sub { userdata: bigint; tag: number; fd: number; relative: boolean }

export function poll(ctx: Context) {
  const { fds, p2 } = ctx;

  function clockPollable(ptr: number): Pollable {
    const id = ctx.mem.u32(ptr + 16);
    const timeout = ctx.mem.u64(ptr + 24);
    const flags = ctx.mem.dataView().getUint16(ptr + 40, true);
    if (flags & ~SUBCLOCK_ABSTIME) throw E.INVAL;
    const absolute = (flags & SUBCLOCK_ABSTIME) !== 0;
    if (id === CLOCK.monotonic) return absolute ? p2.subscribeInstant(timeout) : p2.subscribeDuration(timeout);
    if (id !== CLOCK.realtime) throw E.INVAL;
    if (!absolute) return p2.subscribeDuration(timeout);
    const now = nanos(p2.wallNow());
    return p2.subscribeDuration(timeout > now ? timeout - now : 0n);
  }

  function fdPollable(tag: number, fd: number): Pollable {
    const e = fds.get(fd);
    if (tag === EVENT.fdRead) {
      if (e.kind === 'stdin') return e.stream.subscribe();
      if (e.kind === 'file') return e.desc.readViaStream(e.position).subscribe();
    } else {
      if (e.kind === 'stdout' || e.kind === 'stderr') return e.stream.subscribe();
      if (e.kind === 'file') return (e.append ? e.desc.appendViaStream() : e.desc.writeViaStream(e.position)).subscribe();
    }
    throw E.BADF;
  }

  function writeEvent(ptr: number, sub: Sub, nbytes: bigint, rwflags: number): void {
    ptr = ctx.mem.check(ptr, SIZE.event, 8);
    const v = ctx.mem.dataView();
    v.setBigUint64(ptr, sub.userdata, true);
    v.setUint16(ptr + 8, E.SUCCESS, true);
    v.setUint8(ptr + 10, sub.tag);
    v.setBigUint64(ptr + 16, nbytes, true);
    v.setUint16(ptr + 24, rwflags, true);
    ctx.mem.touched(ptr, SIZE.event);
  }

  return {
    poll_oneoff(inPtr: number, outPtr: number, count: number, resultPtr: number) {
      const n = count >>> 0;
      if (n === 0) throw E.INVAL; // waiting forever is not supported, as in Wasmtime
      const base = ctx.mem.check(inPtr, n * SIZE.subscription, 8);
      const out = ctx.mem.check(outPtr, 0, 8);
      const subs: Sub[] = [];
      const pollables: Pollable[] = [];
      for (let i = 0; i < n; i++) {
        const at = base + i * SIZE.subscription;
        const userdata = ctx.mem.u64(at);
        const tag = ctx.mem.dataView().getUint8(at + 8);
        if (tag > EVENT.fdWrite) throw E.INVAL;
        const fd = tag === EVENT.clock ? -1 : ctx.mem.u32(at + 16);
        pollables.push(tag === EVENT.clock ? clockPollable(at) : fdPollable(tag, fd));
        const relative = tag === EVENT.clock && (ctx.mem.dataView().getUint16(at + 40, true) & SUBCLOCK_ABSTIME) === 0;
        subs.push({ userdata, tag, fd, relative });
      }
      const ready = p2.poll(pollables);
      const isReady = new Uint8Array(n);
      for (const i of ready) isReady[i] = 1;
      // A lone relative clock is a sleep; Wasmtime reports nbytes 1 for it.
      const lone = n === 1 && subs[0]!.relative;
      let events = 0;
      for (let i = 0; i < n; i++) {
        if (!isReady[i]) continue;
        const sub = subs[i]!;
        let nbytes = 0n;
        let rwflags = 0;
        if (sub.tag === EVENT.clock) nbytes = lone ? 1n : 0n;
        else {
          const e = fds.get(sub.fd);
          nbytes = 1n;
          if (sub.tag === EVENT.fdRead && e.kind === 'file' && e.desc.stat().size <= e.position) rwflags = EVENTRW_HANGUP;
        }
        writeEvent(out + events * SIZE.event, sub, nbytes, rwflags);
        events++;
      }
      ctx.mem.setU32(resultPtr, events);
      return E.SUCCESS;
    },
  };
}
