// Options of the wasi:http host, validated (they come from the CLI or a caller).
import { z } from 'zod';

/** host or host:port, lowercase letters, digits, dots, dashes; a leading "*." allows subdomains. */
const AUTHORITY = /^(\*\.)?[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$/;

export const httpOptionsSchema = z.object({
  /**
   * Authorities wasi:http/outgoing-handler may reach (e.g. "api.example.com", "127.0.0.1:8080",
   * "*.example.com"); empty (the default): every outgoing request fails with HTTP-request-denied.
   */
  allowOutgoing: z.array(z.string().toLowerCase().regex(AUTHORITY, 'expected host or host:port')).max(256).default([]),
  /** Time limit of one outgoing request. */
  outgoingTimeoutMs: z.number().int().positive().max(600_000).default(30_000),
  /** Largest outgoing response body a guest may receive. */
  maxOutgoingResponseBytes: z.number().int().positive().max(1 << 30).default(16 << 20),
}).strict();
export type HttpOptions = z.input<typeof httpOptionsSchema>;
export type ResolvedHttpOptions = z.output<typeof httpOptionsSchema>;

/** Whether `authority` (host[:port] of the request URL) is on the allow-list. */
export function allowed(list: readonly string[], authority: string): boolean {
  const a = authority.toLowerCase();
  const host = a.replace(/:\d+$/, '');
  return list.some((entry) => {
    const hasPort = /:\d+$/.test(entry);
    const subject = hasPort ? a : host;
    return entry.startsWith('*.') ? subject.endsWith(entry.slice(1)) : subject === entry;
  });
}
