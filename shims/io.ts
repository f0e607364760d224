// wasi:io (error, poll, streams) for one host. Classes are created per host
// so that each instance's glue checks `instanceof` against its own classes.
// Everything is synchronous: wasm runs on the caller's thread, there is no
// worker and no event loop turn in the middle of a run.

/** Stream errors as the canonical ABI expects them: thrown variant values. */
export const CLOSED = Object.freeze({ tag: 'closed' as const });

export interface ByteSource {
  /** Up to `max` bytes; an empty array means "nothing now", null means end of stream. */
  read(max: number): Uint8Array | null;
}
export interface ByteSink {
  write(bytes: Uint8Array): void;
}
/** Decides readiness for pollables; clocks provide time-based ones. */
export interface Readiness {
  ready(): boolean;
  /** Blocks (or, for virtual time, advances time) until ready. */
  block(): void;
}

const ALWAYS: Readiness = { ready: () => true, block: () => {} };
const MAX_WRITE = 1n << 20n;
const MAX_BLOCKING_WRITE = 4096;

// Classes declared in here have no `private` members: the built package's
// .d.ts cannot express private members of a function's anonymous class types.
export function createIo() {
  class IoError {
    constructor(readonly message: string, readonly code?: string) {}
    toDebugString(): string {
      return this.message;
    }
  }

  class Pollable {
    constructor(readonly readiness: Readiness = ALWAYS) {}
    ready(): boolean {
      return this.readiness.ready();
    }
    block(): void {
      this.readiness.block();
    }
  }

  function poll(list: Pollable[]): Uint32Array {
    if (list.length === 0) throw new TypeError('poll: empty list');
    for (;;) {
      const ready = list.flatMap((p, i) => (p.ready() ? [i] : []));
      if (ready.length) return Uint32Array.from(ready);
      list[0]!.block();
    }
  }

  function readLength(len: bigint): number {
    return Number(len > MAX_WRITE ? MAX_WRITE : len);
  }

  class InputStream {
    open = true;
    constructor(readonly source: ByteSource) {}
    read(len: bigint): Uint8Array {
      if (!this.open) throw CLOSED;
      const bytes = this.source.read(readLength(len));
      if (bytes === null) throw CLOSED;
      return bytes;
    }
    blockingRead(len: bigint): Uint8Array {
      return this.read(len);
    }
    skip(len: bigint): bigint {
      return BigInt(this.read(len).byteLength);
    }
    blockingSkip(len: bigint): bigint {
      return this.skip(len);
    }
    subscribe(): Pollable {
      return new Pollable();
    }
    [Symbol.dispose](): void {
      this.open = false;
    }
  }

  class OutputStream {
    open = true;
    constructor(readonly sink: ByteSink) {}
    checkWrite(): bigint {
      if (!this.open) throw CLOSED;
      return MAX_WRITE;
    }
    write(contents: Uint8Array): void {
      if (!this.open) throw CLOSED;
      if (contents.byteLength) this.sink.write(contents);
    }
    blockingWriteAndFlush(contents: Uint8Array): void {
      if (contents.byteLength > MAX_BLOCKING_WRITE) throw new RangeError('blocking-write-and-flush accepts at most 4096 bytes');
      this.write(contents);
    }
    flush(): void {
      if (!this.open) throw CLOSED;
    }
    blockingFlush(): void {
      this.flush();
    }
    writeZeroes(len: bigint): void {
      this.write(new Uint8Array(readLength(len)));
    }
    blockingWriteZeroesAndFlush(len: bigint): void {
      this.blockingWriteAndFlush(new Uint8Array(readLength(len)));
    }
    splice(src: InputStream, len: bigint): bigint {
      const bytes = src.read(len);
      this.write(bytes);
      return BigInt(bytes.byteLength);
    }
    blockingSplice(src: InputStream, len: bigint): bigint {
      return this.splice(src, len);
    }
    subscribe(): Pollable {
      return new Pollable();
    }
    [Symbol.dispose](): void {
      this.open = false;
    }
  }

  return { IoError, Pollable, poll, InputStream, OutputStream };
}

export type Io = ReturnType<typeof createIo>;
export type InputStreamT = InstanceType<Io['InputStream']>;
export type OutputStreamT = InstanceType<Io['OutputStream']>;
