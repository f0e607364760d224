// wasi:clocks. `real` reads the host clocks. `virtual` is deterministic: time
// starts at a fixed instant each run and only moves when the guest reads it
// (by `step`) or waits (instantly, by the wait's length), so repeated runs
// see identical timestamps.
import type { Readiness } from './io.js';

export type ClockConfig = 'real' | { virtual: { startNs: bigint; stepNs: bigint } };

const SLEEPER = new Int32Array(new SharedArrayBuffer(4));

export class Clocks {
  private virtualNs = 0n;
  constructor(private readonly config: ClockConfig) {
    this.reset();
  }

  /** Rewinds virtual time to its start; called before every run. */
  reset(): void {
    if (this.config !== 'real') this.virtualNs = this.config.virtual.startNs;
  }

  /** The virtual clock's position (verifyRestore). */
  get position(): bigint {
    return this.virtualNs;
  }

  monotonicNow(): bigint {
    if (this.config === 'real') return process.hrtime.bigint();
    const now = this.virtualNs;
    this.virtualNs += this.config.virtual.stepNs;
    return now;
  }

  wallNow(): { seconds: bigint; nanoseconds: number } {
    const ns = this.config === 'real' ? BigInt(Date.now()) * 1_000_000n : this.monotonicNow();
    return { seconds: ns / 1_000_000_000n, nanoseconds: Number(ns % 1_000_000_000n) };
  }

  /** Readiness of "monotonic time >= deadline". */
  until(deadline: bigint): Readiness {
    const now = () => (this.config === 'real' ? process.hrtime.bigint() : this.virtualNs);
    return {
      ready: () => now() >= deadline,
      block: () => {
        if (this.config !== 'real') {
          if (this.virtualNs < deadline) this.virtualNs = deadline;
          return;
        }
        const ms = Number((deadline - now()) / 1_000_000n);
        if (ms > 0) Atomics.wait(SLEEPER, 0, 0, ms);
        while (now() < deadline) { /* sub-millisecond remainder */ }
      },
    };
  }

  interfaces(Pollable: new (r: Readiness) => unknown) {
    const resolution = () => (this.config === 'real' ? 1n : this.config.virtual.stepNs || 1n);
    return {
      'wasi:clocks/monotonic-clock': {
        now: () => this.monotonicNow(),
        resolution,
        subscribeInstant: (when: bigint) => new Pollable(this.until(when)),
        subscribeDuration: (d: bigint) => new Pollable(this.until(this.monotonicNow() + d)),
      },
      'wasi:clocks/wall-clock': {
        now: () => this.wallNow(),
        resolution: () => ({ seconds: 0n, nanoseconds: Number(resolution()) }),
      },
    };
  }
}
