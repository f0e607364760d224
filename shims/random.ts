// wasi:random. `crypto` uses the host CSPRNG (each run differs, as fresh
// instances would). A numeric seed gives a deterministic stream (splitmix64)
// that restarts from the seed before every run.
import { randomBytes, randomFillSync } from 'node:crypto';

export type RandomConfig = 'crypto' | { seed: number };

/** A guest asking for more random bytes in one call than the host will allocate. */
export class RandomLimitError extends Error {
  constructor(requested: bigint, limit: number) {
    super(`get-random-bytes: ${requested} bytes requested in one call, the host's limit is ${limit}`);
    this.name = 'RandomLimitError';
  }
}

const MASK = (1n << 64n) - 1n;

export class Random {
  private state = 0n;
  /** `maxBytes` bounds one call: the host allocates the result before the glue copies it into guest memory. */
  constructor(private readonly config: RandomConfig, private readonly maxBytes: number) {
    this.reset();
  }

  reset(): void {
    if (this.config !== 'crypto') this.state = BigInt(this.config.seed) & MASK;
  }

  /** The seeded generator's position (verifyRestore). */
  get position(): bigint {
    return this.state;
  }

  u64(): bigint {
    if (this.config === 'crypto') return randomBytes(8).readBigUInt64LE();
    this.state = (this.state + 0x9e3779b97f4a7c15n) & MASK;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
    return z ^ (z >> 31n);
  }

  bytes(len: bigint): Uint8Array {
    if (len > BigInt(this.maxBytes)) throw new RandomLimitError(len, this.maxBytes);
    const out = new Uint8Array(Number(len));
    if (this.config === 'crypto') return randomFillSync(out);
    const view = new DataView(out.buffer);
    let i = 0;
    for (; i + 8 <= out.length; i += 8) view.setBigUint64(i, this.u64(), true);
    if (i < out.length) {
      const last = this.u64();
      for (let k = 0; i < out.length; i++, k++) out[i] = Number((last >> BigInt(8 * k)) & 0xffn);
    }
    return out;
  }

  interfaces() {
    return {
      'wasi:random/random': { getRandomBytes: (n: bigint) => this.bytes(n), getRandomU64: () => this.u64() },
      'wasi:random/insecure': { getInsecureRandomBytes: (n: bigint) => this.bytes(n), getInsecureRandomU64: () => this.u64() },
      'wasi:random/insecure-seed': { insecureSeed: (): [bigint, bigint] => [this.u64(), this.u64()] },
    };
  }
}
