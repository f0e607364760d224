// One wasi:http request on a ReusableInstance (inside a pool worker): the
// request becomes the incoming-request and response-outparam resources, the
// component's incoming-handler#handle is called under the reset policy, and
// the response comes back as plain data (it crosses the thread boundary).
import { WrongWorldError } from '../errors.js';
import type { ReusableInstance } from '../instance.js';
import { HANDLE_EXPORT, incoming, type IncomingData, type ResponseData } from '../../shims/http/index.js';
import type { ResetPolicy } from '../reactor/policy.js';

export interface HttpWork {
  request: IncomingData;
  reset: ResetPolicy;
}

export type HttpReply = {
  /** Bounded excerpt of the guest's stderr, for the server log. */
  stderr: Uint8Array;
  durationMs: number;
  resetMs: number;
} & ({ ok: true; response: ResponseData } | { ok: false; reason: string });

const handleNames = new WeakMap<object, string>();

/** The instance's incoming-handler#handle export name; WrongWorldError without one. */
export function handleExport(inst: ReusableInstance): string {
  let name = handleNames.get(inst);
  if (!name) {
    name = inst.exportNames().find((n) => HANDLE_EXPORT.test(n));
    if (!name) throw new WrongWorldError('the component does not export wasi:http/incoming-handler@0.2.x');
    handleNames.set(inst, name);
  }
  return name;
}

export function callHandler(inst: ReusableInstance, work: HttpWork): HttpReply {
  const name = handleExport(inst);
  const { args, outcome } = incoming(work.request);
  const r = inst.call(name, args, { reset: work.reset });
  const common = { stderr: new Uint8Array(r.stderr.subarray(0, 2048)), durationMs: r.durationMs, resetMs: r.resetMs };
  // A trap fails the request even after a response was set: its body may be incomplete.
  if (r.trap) return { ...common, ok: false, reason: `${r.trap.kind}: ${r.trap.message}` };
  return { ...common, ...outcome() };
}
