// The wasi:io of the host whose guest is running. The wasi:http resource
// classes are shared by every host in the process (so a request built before
// a fresh instance exists passes that instance's glue `instanceof` checks),
// but the streams and pollables they hand out must belong to the running
// instance's own wasi:io classes. WasiHost.beginRun makes its io current;
// runs are synchronous, so exactly one host runs guest code at a time.
import type { Io } from '../io.js';

let current: Io | undefined;

export function activateIo(io: Io): void {
  current = io;
}

export function activeIo(): Io {
  if (!current) throw new Error('wasi:http used outside a run');
  return current;
}
