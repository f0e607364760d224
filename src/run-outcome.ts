// Classifies how a call into the guest ended. For wasi:cli/run, exit codes
// follow the guest: returning (or exit(0)) is 0, exit(n) is n, run's `err`
// result is 1. A trap has no exit code; its kind and message are reported
// instead. Other exports (call()) report their value, the payload of an
// `err` result, an exit or a trap.
import { ExitSignal } from '../shims/cli.js';

export type TrapKind = 'trap' | 'host-error';
export interface Trap { kind: TrapKind; message: string }
export interface Outcome { exitCode: number | null; trap?: Trap }

/** How a call ended, whatever the export. */
export type Ending =
  | { kind: 'returned' }
  | { kind: 'exit'; code: number }
  /** jco raises a result-typed export's `err` as a ComponentError carrying the payload. */
  | { kind: 'err'; payload: unknown }
  | { kind: 'trap'; trap: Trap };

export function endingOf(error: unknown): Ending {
  if (error === undefined) return { kind: 'returned' };
  const exit = findExit(error);
  if (exit) return { kind: 'exit', code: exit.code };
  if (error instanceof WebAssembly.RuntimeError) return { kind: 'trap', trap: { kind: 'trap', message: error.message } };
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return { kind: 'trap', trap: { kind: 'trap', message: `call stack exhausted (${error.message})` } };
  }
  if (isErrResult(error)) return { kind: 'err', payload: (error as { payload: unknown }).payload };
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { kind: 'trap', trap: { kind: 'host-error', message } };
}

/** wasi:cli/run's outcome. */
export function outcomeOf(error: unknown): Outcome {
  const ending = endingOf(error);
  switch (ending.kind) {
    case 'returned': return { exitCode: 0 };
    case 'exit': return { exitCode: ending.code };
    case 'err': return { exitCode: 1 };
    case 'trap': return { exitCode: null, trap: ending.trap };
  }
}

/**
 * A TypeError or RangeError the glue threw outside wasm (no wasm frame on
 * its stack): lowering an argument that does not fit the WIT type, or
 * lifting a result the guest encoded wrongly. Errors of host imports the
 * guest called carry the guest's wasm frames below them.
 */
export function isGlueValueError(error: unknown): error is TypeError | RangeError {
  if (!(error instanceof TypeError || error instanceof RangeError) || /call stack/i.test(error.message)) return false;
  return typeof error.stack === 'string' && !/wasm:\/\/|wasm-function\[/.test(error.stack);
}

function findExit(error: unknown): ExitSignal | undefined {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ExitSignal) return e;
  }
  return undefined;
}

/**
 * The class of jco's `err` errors is private to each glue module and its
 * `name` is plain 'Error', so it is recognised by its class name and its own
 * `payload` property.
 */
function isErrResult(error: unknown): boolean {
  return error instanceof Error && error.constructor.name === 'ComponentError' && Object.hasOwn(error, 'payload');
}
