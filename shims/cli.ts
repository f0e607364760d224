// wasi:cli for one host: arguments, environment and cwd of the current run,
// stdin from bytes, stdout/stderr captured (and optionally streamed to a
// callback, synchronously), and `exit` turned into a thrown ExitSignal that
// the runtime catches: the host process is never exited.
import type { Io, InputStreamT, OutputStreamT } from './io.js';

/** Thrown by wasi:cli/exit; carries the guest's exit code. */
export class ExitSignal extends Error {
  constructor(readonly code: number) {
    super(`guest exited with code ${code}`);
    this.name = 'ExitSignal';
  }
}

export interface RunIo {
  args: string[];
  env: [string, string][];
  cwd: string | undefined;
  stdin: Uint8Array;
  onStdout?: (chunk: Uint8Array) => void;
  onStderr?: (chunk: Uint8Array) => void;
}

/** What a stream nothing was written to gives (zero-length and frozen: nothing can change it). */
const NOTHING = Object.freeze(Buffer.alloc(0)) as Buffer;

/**
 * Collects a run's output in one buffer that grows by doubling (a run's
 * result owns it: restart() lets go of it for the next run). One buffer
 * instead of a list of chunks joined at the end: most runs write a few
 * small chunks, and joining them cost more than the writes.
 */
class Capture {
  private buf: Buffer = NOTHING;
  size = 0;
  truncated = false;
  private forward?: (chunk: Uint8Array) => void;
  constructor(private readonly limit: number) {}
  /** A run starts: nothing captured, its output callback if any. */
  restart(forward?: (chunk: Uint8Array) => void): void {
    this.buf = NOTHING;
    this.size = 0;
    this.truncated = false;
    this.forward = forward;
  }
  write(bytes: Uint8Array): void {
    // The callback gets a copy of its own: `bytes` is a view of guest memory.
    this.forward?.(Buffer.from(bytes));
    const room = this.limit - this.size;
    if (bytes.length > room) this.truncated = true; // keep the head
    const n = Math.min(bytes.length, room);
    if (n === 0) return;
    if (this.size + n > this.buf.length) this.grow(this.size + n);
    this.buf.set(n === bytes.length ? bytes : bytes.subarray(0, n), this.size);
    this.size += n;
  }
  private grow(need: number): void {
    // Never above the limit. The first write's size exactly (a run that writes once hands its
    // buffer over whole, see take()), then doubling. Small buffers come from Node's pool, as
    // Buffer.from's do; larger ones are zero-filled, so no uninitialised process memory sits
    // behind a result.
    const size = this.size === 0 ? need : Math.min(this.limit, Math.max(need, 2 * this.buf.length, 128));
    const next = size < Buffer.poolSize >>> 1 ? Buffer.allocUnsafe(size) : Buffer.alloc(size);
    if (this.size) next.set(this.buf.subarray(0, this.size));
    this.buf = next;
  }
  take(): Buffer {
    if (this.size === 0) return NOTHING;
    if (this.size === this.buf.length) return this.buf;
    const view = this.buf.subarray(0, this.size);
    // A large result does not keep up to twice its size alive.
    return this.buf.length - this.size > SLACK ? Buffer.from(view) : view;
  }
}

/** Unused capacity a result may keep (bytes). */
const SLACK = 64 << 10;

export type StdioName = 'stdin' | 'stdout' | 'stderr';

export class Cli {
  private run: RunIo = { args: [], env: [], cwd: undefined, stdin: new Uint8Array() };
  private stdinOffset = 0;
  private readonly out: Capture;
  private readonly err: Capture;
  // Every get-stdin/stdout/stderr returns a new stream object, as a fresh
  // host does: dropping one (a CLI tool closing stdout at exit) closes only
  // that object, for the rest of the run (see io.ts). All objects of one
  // name share one source or sink, which reads from / writes to the current
  // run's stdin and capture buffers, so an object held across runs (fetched
  // before the snapshot) serves whichever run is current. The shared source
  // or sink also names the object, for snapshot files.
  private readonly stdin = {
    read: (max: number) => {
      const { stdin } = this.run;
      if (this.stdinOffset >= stdin.length) return null;
      const chunk = stdin.subarray(this.stdinOffset, this.stdinOffset + max);
      this.stdinOffset += chunk.length;
      return chunk;
    },
  };
  private readonly stdout = { write: (bytes: Uint8Array) => this.out.write(bytes) };
  private readonly stderr = { write: (bytes: Uint8Array) => this.err.write(bytes) };

  constructor(private readonly io: Io, captureLimit: number) {
    this.out = new Capture(captureLimit);
    this.err = new Capture(captureLimit);
  }

  private open(name: StdioName): InputStreamT | OutputStreamT {
    return name === 'stdin' ? new this.io.InputStream(this.stdin) : new this.io.OutputStream(this[name]);
  }

  /** Names a stdio stream object, for snapshot files. */
  stdioName(obj: unknown): StdioName | undefined {
    if (obj instanceof this.io.InputStream) return obj.source === this.stdin ? 'stdin' : undefined;
    if (obj instanceof this.io.OutputStream) return obj.sink === this.stdout ? 'stdout' : obj.sink === this.stderr ? 'stderr' : undefined;
    return undefined;
  }

  /** A stdio stream object for a snapshot file's description of one. */
  stdioObject(name: StdioName): unknown {
    return this.open(name);
  }

  /** Points stdio at a new run's input and capture buffers. */
  begin(run: RunIo): void {
    this.run = run;
    this.stdinOffset = 0;
    this.out.restart(run.onStdout);
    this.err.restart(run.onStderr);
  }

  /** Where the run's stdio stands (verifyRestore): nothing read or captured yet at a run's start. */
  get position(): { stdinOffset: number; stdout: number; stderr: number; truncated: boolean } {
    return { stdinOffset: this.stdinOffset, stdout: this.out.size, stderr: this.err.size, truncated: this.out.truncated || this.err.truncated };
  }

  end(): { stdout: Buffer; stderr: Buffer; truncated: boolean } {
    return { stdout: this.out.take(), stderr: this.err.take(), truncated: this.out.truncated || this.err.truncated };
  }

  interfaces() {
    class TerminalInput {}
    class TerminalOutput {}
    const exitWith = (code: number): never => {
      throw new ExitSignal(code);
    };
    return {
      'wasi:cli/environment': {
        getEnvironment: () => this.run.env,
        getArguments: () => this.run.args,
        initialCwd: () => this.run.cwd,
      },
      'wasi:cli/exit': {
        exit: (status: { tag: 'ok' | 'err' }) => exitWith(status.tag === 'ok' ? 0 : 1),
        exitWithCode: (code: number) => exitWith(code),
      },
      'wasi:cli/stdin': { getStdin: () => this.open('stdin') },
      'wasi:cli/stdout': { getStdout: () => this.open('stdout') },
      'wasi:cli/stderr': { getStderr: () => this.open('stderr') },
      'wasi:cli/terminal-input': { TerminalInput },
      'wasi:cli/terminal-output': { TerminalOutput },
      'wasi:cli/terminal-stdin': { getTerminalStdin: () => undefined },
      'wasi:cli/terminal-stdout': { getTerminalStdout: () => undefined },
      'wasi:cli/terminal-stderr': { getTerminalStderr: () => undefined },
    };
  }
}
