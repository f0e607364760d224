// Counts a run's calls into the host interfaces through which a run's
// outside world reaches the guest (environment and arguments, clocks,
// random, exit) and the bytes it read from stdin: the channels a reset
// proposal must re-feed per run. Getting the stdio streams and preopens is
// not counted: the native preview1 host does it itself for its descriptor table.
import type { ImportObject } from '../../shims/host.js';

const CHANNELS = [
  'wasi:cli/stdin', 'wasi:cli/environment', 'wasi:cli/exit',
  'wasi:clocks/monotonic-clock', 'wasi:clocks/wall-clock',
  'wasi:random/random', 'wasi:random/insecure', 'wasi:random/insecure-seed',
];
const STDIN = 'wasi:cli/stdin#getStdin';

export class ChannelCounter {
  calls = new Map<string, number>();

  /** Wraps the plain functions (not resource classes) of the channel interfaces. */
  wrap(table: ImportObject): ImportObject {
    const out: ImportObject = { ...table };
    for (const iface of CHANNELS) {
      const fns = table[iface];
      if (!fns) continue;
      const wrapped: Record<string, unknown> = {};
      for (const [fn, value] of Object.entries(fns)) {
        if (typeof value !== 'function' || /^class\b/.test(Function.prototype.toString.call(value))) {
          wrapped[fn] = value;
          continue;
        }
        const call = value as (...args: unknown[]) => unknown;
        const key = `${iface}#${fn}`;
        wrapped[fn] = (...args: unknown[]) => {
          if (key === STDIN) return this.countReads(call(...args));
          this.count(key, 1);
          return call(...args);
        };
      }
      out[iface] = wrapped;
    }
    return out;
  }

  private count(key: string, n: number): void {
    this.calls.set(key, (this.calls.get(key) ?? 0) + n);
  }

  /** Counts the bytes read from a stdin stream (blockingRead and skip go through read). */
  private countReads(stream: unknown): unknown {
    const s = stream as { read?: (len: bigint) => Uint8Array };
    const read = s.read;
    if (typeof read !== 'function') return stream;
    // An own property: the stream keeps its identity and class for the glue.
    s.read = (len: bigint) => {
      const bytes = read.call(s, len);
      this.count('stdin bytes read', bytes.byteLength);
      return bytes;
    };
    return stream;
  }

  /** The calls since the last take, sorted by name. */
  take(): Record<string, number> {
    const out = Object.fromEntries([...this.calls].sort(([a], [b]) => a.localeCompare(b)));
    this.calls = new Map();
    return out;
  }
}
