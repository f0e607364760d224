// Classifies how a call to wasi:cli/run ended. Exit codes follow the guest:
// returning (or exit(0)) is 0, exit(n) is n, run's `err` result is 1. A trap
// has no exit code; its kind and message are reported instead.
import { ExitSignal } from '../shims/cli.js';

export type TrapKind = 'trap' | 'host-error';
export interface Trap { kind: TrapKind; message: string }
export interface Outcome { exitCode: number | null; trap?: Trap }

export function outcomeOf(error: unknown): Outcome {
  if (error === undefined) return { exitCode: 0 };
  const exit = findExit(error);
  if (exit) return { exitCode: exit.code };
  if (error instanceof WebAssembly.RuntimeError) return { exitCode: null, trap: { kind: 'trap', message: error.message } };
  if (error instanceof RangeError && /call stack/i.test(error.message)) {
    return { exitCode: null, trap: { kind: 'trap', message: `call stack exhausted (${error.message})` } };
  }
  if (isErrResult(error)) return { exitCode: 1 };
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { exitCode: null, trap: { kind: 'host-error', message } };
}

function findExit(error: unknown): ExitSignal | undefined {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ExitSignal) return e;
  }
  return undefined;
}

/**
 * jco throws run's `err` result as a ComponentError carrying the payload. The
 * class is private to each glue module and its `name` is plain 'Error', so
 * it is recognised by its class name and its own `payload` property.
 */
function isErrResult(error: unknown): boolean {
  return error instanceof Error && error.constructor.name === 'ComponentError' && Object.hasOwn(error, 'payload');
}
