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

/** Collects output chunks; joined once at the end of a run. */
class Capture {
  private chunks: Uint8Array[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly limit: number, private readonly forward?: (chunk: Uint8Array) => void) {}
  write(bytes: Uint8Array): void {
    const copy = bytes.slice();
    this.forward?.(copy);
    const room = this.limit - this.size;
    if (copy.length > room) this.truncated = true; // keep the head
    const kept = copy.length > room ? copy.subarray(0, room) : copy;
    if (kept.length === 0) return;
    this.chunks.push(kept);
    this.size += kept.length;
  }
  take(): Buffer {
    return this.chunks.length === 1 ? Buffer.from(this.chunks[0]!.buffer, this.chunks[0]!.byteOffset, this.chunks[0]!.byteLength) : Buffer.concat(this.chunks);
  }
}

export class Cli {
  private run: RunIo = { args: [], env: [], cwd: undefined, stdin: new Uint8Array() };
  private stdinOffset = 0;
  private out: Capture;
  private err: Capture;
  // One stream object per stdio for the life of the host: a guest (or an
  // init function before the snapshot) may keep its handle across runs, so
  // the objects stay and what they read from / write to changes per run.
  private readonly stdin: InputStreamT;
  private readonly stdout: OutputStreamT;
  private readonly stderr: OutputStreamT;

  constructor(io: Io, private readonly captureLimit: number) {
    this.out = new Capture(captureLimit);
    this.err = new Capture(captureLimit);
    this.stdin = new io.InputStream({
      read: (max) => {
        const { stdin } = this.run;
        if (this.stdinOffset >= stdin.length) return null;
        const chunk = stdin.subarray(this.stdinOffset, this.stdinOffset + max);
        this.stdinOffset += chunk.length;
        return chunk;
      },
    });
    this.stdout = new io.OutputStream({ write: (bytes) => this.out.write(bytes) });
    this.stderr = new io.OutputStream({ write: (bytes) => this.err.write(bytes) });
  }

  /** Names a stdio stream object, for snapshot files. */
  stdioName(obj: unknown): 'stdin' | 'stdout' | 'stderr' | undefined {
    return obj === this.stdin ? 'stdin' : obj === this.stdout ? 'stdout' : obj === this.stderr ? 'stderr' : undefined;
  }

  stdioObject(name: 'stdin' | 'stdout' | 'stderr'): unknown {
    return this[name];
  }

  /** Points stdio at a new run's input and capture buffers. */
  begin(run: RunIo): void {
    this.run = run;
    this.stdinOffset = 0;
    this.out = new Capture(this.captureLimit, run.onStdout);
    this.err = new Capture(this.captureLimit, run.onStderr);
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
      'wasi:cli/stdin': { getStdin: () => this.stdin },
      'wasi:cli/stdout': { getStdout: () => this.stdout },
      'wasi:cli/stderr': { getStderr: () => this.stderr },
      'wasi:cli/terminal-input': { TerminalInput },
      'wasi:cli/terminal-output': { TerminalOutput },
      'wasi:cli/terminal-stdin': { getTerminalStdin: () => undefined },
      'wasi:cli/terminal-stdout': { getTerminalStdout: () => undefined },
      'wasi:cli/terminal-stderr': { getTerminalStderr: () => undefined },
    };
  }
}
