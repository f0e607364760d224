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
/** Most bytes one read, write-zeroes or check-write moves: bounds what a guest call makes the host allocate. */
export const MAX_STREAM_CHUNK = 1 << 20;
const MAX_WRITE = BigInt(MAX_STREAM_CHUNK);
const MAX_BLOCKING_WRITE = 4096;

// Classes declared in here have no `private` members: the built package's
// .d.ts cannot express private members of a function's anonymous class types.
export function createIo() {
  // A stream is closed for the rest of the run that dropped it, not for good:
  // the glue's handle tables are rewound with the instance, so a stream held
  // in the snapshot (e.g. stdout fetched by an init function) is live again in
  // the next run, as its counterpart is on a fresh instance.
  let closed = new WeakSet<object>();
  /** Whether `closed` holds anything (most runs close nothing: their set is kept). */
  let closedAny = false;
  /** Starts a new run: every stream the rewound glue can still reach is open. */
  function beginRun(): void {
    if (!closedAny) return;
    closed = new WeakSet();
    closedAny = false;
  }
  function close(stream: object): void {
    closed.add(stream);
    closedAny = true;
  }
  /** Whether the run dropped `stream` (the set is asked only when it holds anything). */
  function isClosed(stream: object): boolean {
    return closedAny && closed.has(stream);
  }

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
    constructor(readonly source: ByteSource) {}
    read(len: bigint): Uint8Array {
      if (isClosed(this)) throw CLOSED;
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
      close(this);
    }
  }

  class OutputStream {
    constructor(readonly sink: ByteSink) {}
    checkWrite(): bigint {
      if (isClosed(this)) throw CLOSED;
      return MAX_WRITE;
    }
    write(contents: Uint8Array): void {
      if (isClosed(this)) throw CLOSED;
      if (contents.byteLength) this.sink.write(contents);
    }
    blockingWriteAndFlush(contents: Uint8Array): void {
      if (contents.byteLength > MAX_BLOCKING_WRITE) throw new RangeError('blocking-write-and-flush accepts at most 4096 bytes');
      this.write(contents);
    }
    flush(): void {
      if (isClosed(this)) throw CLOSED;
    }
    blockingFlush(): void {
      this.flush();
    }
    // write-zeroes has write's precondition: at most what check-write permits.
    // More is a guest bug that traps (as in Wasmtime), never a shorter write.
    writeZeroes(len: bigint): void {
      if (len > MAX_WRITE) throw new RangeError(`write-zeroes of ${len} bytes exceeds the ${MAX_WRITE} that check-write permits`);
      this.write(new Uint8Array(Number(len)));
    }
    blockingWriteZeroesAndFlush(len: bigint): void {
      if (len > BigInt(MAX_BLOCKING_WRITE)) throw new RangeError('blocking-write-zeroes-and-flush accepts at most 4096 bytes');
      this.write(new Uint8Array(Number(len)));
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
      close(this);
    }
  }

  return { IoError, Pollable, poll, InputStream, OutputStream, beginRun };
}

export type Io = ReturnType<typeof createIo>;
export type InputStreamT = InstanceType<Io['InputStream']>;
export type OutputStreamT = InstanceType<Io['OutputStream']>;
