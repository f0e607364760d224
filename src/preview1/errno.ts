// Preview1 errno values, and the mapping from WASI 0.2 error codes (thrown as
// strings by shims/filesystem.ts) to them, as Wasmtime's preview1 maps them.
// Host functions signal an errno by throwing its number (no allocation);
// call.ts turns it into the function's return value.

export const E = {
  SUCCESS: 0, TOOBIG: 1, ACCES: 2, AGAIN: 6, ALREADY: 7, BADF: 8, BUSY: 10, DEADLK: 16, DQUOT: 19,
  EXIST: 20, FAULT: 21, FBIG: 22, ILSEQ: 25, INPROGRESS: 26, INTR: 27, INVAL: 28, IO: 29, ISDIR: 31,
  LOOP: 32, MFILE: 33, MLINK: 34, MSGSIZE: 35, NAMETOOLONG: 37, NODEV: 43, NOENT: 44, NOLCK: 46, NOMEM: 48,
  NOSPC: 51, NOSYS: 52, NOTDIR: 54, NOTEMPTY: 55, NOTRECOVERABLE: 56, NOTSOCK: 57, NOTSUP: 58,
  NOTTY: 59, NXIO: 60, OVERFLOW: 61, PERM: 63, PIPE: 64, RANGE: 68, ROFS: 69, SPIPE: 70,
  TXTBSY: 74, XDEV: 75,
} as const;

const FROM_CODE: Record<string, number> = {
  'access': E.ACCES, 'would-block': E.AGAIN, 'already': E.ALREADY, 'bad-descriptor': E.BADF,
  'busy': E.BUSY, 'deadlock': E.DEADLK, 'quota': E.DQUOT, 'exist': E.EXIST, 'file-too-large': E.FBIG,
  'illegal-byte-sequence': E.ILSEQ, 'in-progress': E.INPROGRESS, 'interrupted': E.INTR,
  'invalid': E.INVAL, 'io': E.IO, 'is-directory': E.ISDIR, 'loop': E.LOOP, 'too-many-links': E.MLINK,
  'message-size': E.MSGSIZE, 'name-too-long': E.NAMETOOLONG, 'no-device': E.NODEV,
  'no-entry': E.NOENT, 'no-lock': E.NOLCK, 'insufficient-memory': E.NOMEM,
  'insufficient-space': E.NOSPC, 'unsupported': E.NOTSUP, 'not-directory': E.NOTDIR,
  'not-empty': E.NOTEMPTY, 'not-recoverable': E.NOTRECOVERABLE, 'no-tty': E.NOTTY,
  'no-such-device': E.NXIO, 'overflow': E.OVERFLOW, 'not-permitted': E.PERM, 'pipe': E.PIPE,
  'read-only': E.ROFS, 'invalid-seek': E.SPIPE, 'text-file-busy': E.TXTBSY, 'cross-device': E.XDEV,
};

/**
 * The errno for something a host call threw, or undefined when it is not an
 * errno (a trap, an exit, a host bug: those propagate and end the run).
 */
export function errnoOf(e: unknown): number | undefined {
  if (typeof e === 'number') return e;
  if (typeof e === 'string') return FROM_CODE[e] ?? E.IO;
  // A closed WASI 0.2 stream (thrown as a variant value) is EIO, as in Wasmtime.
  if (typeof e === 'object' && e !== null && (e as { tag?: unknown }).tag === 'closed') return E.IO;
  if (typeof e === 'object' && e !== null && (e as { tag?: unknown }).tag === 'last-operation-failed') return E.IO;
  return undefined;
}
