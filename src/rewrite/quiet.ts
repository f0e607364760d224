// binaryen prints diagnostics (e.g. "warning: unknown name subsection") to
// stderr while reading some modules: they are not the user's business.
// WASI_REWIND_DEBUG=1 lets them through.

/** Runs `fn` with process.stderr writes dropped (unless WASI_REWIND_DEBUG is set). */
export function quietly<T>(fn: () => T): T {
  if (process.env.WASI_REWIND_DEBUG) return fn(); // any non-empty value
  const stderr = process.stderr;
  const write = stderr.write;
  stderr.write = (() => true) as typeof stderr.write;
  try {
    return fn();
  } finally {
    stderr.write = write;
  }
}
