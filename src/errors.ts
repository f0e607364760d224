// Every failure wasi-rewind reports is a RewindError with a stable `code`, so
// callers can branch on the kind of problem without parsing messages.

export type RewindErrorCode =
  | 'INVALID_WASM'
  | 'WRONG_WORLD'
  | 'UNSUPPORTED_MODULE'
  | 'INVALID_OPTIONS'
  | 'INSTANTIATION_FAILED'
  | 'RESTORE_FAILED'
  | 'SNAPSHOT_FILE'
  | 'TIMEOUT'
  | 'POOL_CLOSED'
  | 'QUEUE_FULL'
  | 'QUEUE_TIMEOUT'
  | 'WORKER_FAILED'
  | 'CACHE_UNSAFE'
  | 'SERVE_FAILED'
  | 'BENCH_FAILED'
  | 'UNKNOWN_EXPORT'
  | 'INVALID_VALUE'
  | 'STALE_VALUE'
  | 'REENTRANT_CALL';

export class RewindError extends Error {
  readonly code: RewindErrorCode;
  constructor(code: RewindErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bytes that are not a WebAssembly module or component, or fail to compile. */
export class InvalidWasmError extends RewindError {
  constructor(message: string, options?: { cause?: unknown }) { super('INVALID_WASM', message, options); }
}

/** A valid component that does not export `wasi:cli/run`, or a core module that is not a WASI command. */
export class WrongWorldError extends RewindError {
  constructor(message: string, options?: { cause?: unknown }) { super('WRONG_WORLD', message, options); }
}

/** Valid wasm that uses something the rewriter cannot virtualise (memory64, shared memory...). */
export class UnsupportedModuleError extends RewindError {
  constructor(message: string, options?: { cause?: unknown }) { super('UNSUPPORTED_MODULE', message, options); }
}

/** Options or CLI flags that fail validation; `issues` lists each problem. */
export class InvalidOptionsError extends RewindError {
  readonly issues: string[];
  constructor(what: string, issues: string[]) {
    super('INVALID_OPTIONS', `invalid ${what}:\n  - ${issues.join('\n  - ')}`);
    this.issues = issues;
  }
}

/** The component could not be instantiated (for example an import the host does not provide). */
export class InstantiationError extends RewindError {
  constructor(message: string, options?: { cause?: unknown }) { super('INSTANTIATION_FAILED', message, options); }
}

/** A restore could not bring the instance back to its snapshot (the instance is unusable). */
export class RestoreError extends RewindError {
  constructor(message: string, options?: { cause?: unknown }) { super('RESTORE_FAILED', message, options); }
}

/** A snapshot file that is missing, corrupt or of another format version. */
export class SnapshotFileError extends RewindError {
  constructor(message: string, options?: { cause?: unknown }) { super('SNAPSHOT_FILE', message, options); }
}

/** A run that exceeded its time limit (pool workers only: the main thread cannot interrupt wasm). */
export class TimeoutError extends RewindError {
  constructor(message: string) { super('TIMEOUT', message); }
}

/** A benchmark that cannot measure a program (e.g. the plain-jco baseline cannot run it). */
export class BenchError extends RewindError {
  constructor(message: string) { super('BENCH_FAILED', message); }
}

/** call() named an export the component does not have; `available` lists those it has. */
export class UnknownExportError extends RewindError {
  constructor(message: string, readonly available: string[]) { super('UNKNOWN_EXPORT', message); }
}

/** A value crossing the component boundary that does not fit its WIT type (wrong arguments, or a result the glue cannot lift). */
export class InvalidValueError extends RewindError {
  constructor(message: string, options?: { cause?: unknown }) { super('INVALID_VALUE', message, options); }
}

/** A value returned by call() used after the instance was rewound (its handle refers to state that no longer exists), or on another instance. */
export class StaleValueError extends RewindError {
  constructor(message: string) { super('STALE_VALUE', message); }
}

/** A host callback (onStdout, onStderr) tried to call, run or rewind the instance that is running it. */
export class ReentrantCallError extends RewindError {
  constructor(message: string) { super('REENTRANT_CALL', message); }
}

/** Re-creates a RewindError that crossed a thread boundary as plain data. */
export function reviveError(data: { code: RewindErrorCode; message: string; issues?: string[] }): RewindError {
  switch (data.code) {
    case 'INVALID_WASM': return new InvalidWasmError(data.message);
    case 'WRONG_WORLD': return new WrongWorldError(data.message);
    case 'UNSUPPORTED_MODULE': return new UnsupportedModuleError(data.message);
    case 'INVALID_OPTIONS': return Object.assign(new InvalidOptionsError('options', data.issues ?? []), { message: data.message });
    case 'INSTANTIATION_FAILED': return new InstantiationError(data.message);
    case 'RESTORE_FAILED': return new RestoreError(data.message);
    case 'SNAPSHOT_FILE': return new SnapshotFileError(data.message);
    case 'UNKNOWN_EXPORT': return new UnknownExportError(data.message, []);
    case 'INVALID_VALUE': return new InvalidValueError(data.message);
    case 'STALE_VALUE': return new StaleValueError(data.message);
    default: return new RewindError(data.code, data.message);
  }
}
