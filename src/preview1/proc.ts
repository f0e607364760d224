// proc_exit, proc_raise, sched_yield, random_get and the sock_* calls.
// proc_exit(n) ends the run with exit code n exactly (statuses of 126 and
// more trap, as in Wasmtime). Sockets are not offered: after the descriptor
// check, ENOTSOCK, as Wasmtime's preview1.
import { FDFLAGS, flags } from './abi.js';
import type { Context } from './context.js';
import { E } from './errno.js';
import { GuestTrap } from './memory.js';

/** Bytes of random data made per step, so a large random_get does not need a large host buffer. */
const RANDOM_STEP = 1 << 16;

export function proc(ctx: Context) {
  return {
    proc_exit(code: number): never {
      const status = code >>> 0;
      if (status >= 126) throw new GuestTrap('exit with invalid exit status outside of [0..126)');
      return ctx.p2.exit(status);
    },
    proc_raise(sig: number) {
      if ((sig >>> 0) > 30) throw E.INVAL;
      return E.NOTSUP;
    },
    sched_yield: () => E.SUCCESS,
    random_get(buf: number, len: number) {
      let ptr = ctx.mem.check(buf, len);
      let left = len >>> 0;
      while (left > 0) {
        const n = Math.min(left, RANDOM_STEP);
        ctx.mem.write(ptr, ctx.p2.randomBytes(BigInt(n)));
        ptr += n;
        left -= n;
      }
      return E.SUCCESS;
    },
    sock_accept(fd: number, fdflags: number, _resultPtr: number) {
      flags(fdflags, FDFLAGS.all);
      ctx.fds.get(fd);
      return E.NOTSOCK;
    },
    sock_recv(fd: number, _iovs: number, _count: number, riflags: number, _lenPtr: number, _flagsPtr: number) {
      flags(riflags, 0x3);
      ctx.fds.get(fd);
      return E.NOTSOCK;
    },
    sock_send(fd: number, _iovs: number, _count: number, _siflags: number, _lenPtr: number) {
      ctx.fds.get(fd);
      return E.NOTSOCK;
    },
    sock_shutdown(fd: number, how: number) {
      flags(how, 0x3);
      ctx.fds.get(fd);
      return E.NOTSOCK;
    },
  };
}
