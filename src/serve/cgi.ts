// CGI/1.1 conventions for `rewind serve` (RFC 3875): the request as
// environment variables and stdin, and the response as header lines ending in
// a blank line (`Status:` setting the code) followed by the body on stdout.
// The guest's output is parsed strictly: the server frames every response
// itself, so a guest cannot add framing headers or forge a second response.
import type { IncomingMessage } from 'node:http';

/** Request headers never passed to the guest: `Proxy` would become HTTP_PROXY (httpoxy). */
const HIDDEN_REQUEST_HEADERS = new Set(['proxy', 'content-type', 'content-length']);
const REQUEST_HEADER_NAME = /^[A-Za-z0-9-]+$/;

export function cgiEnv(req: IncomingMessage, body: Uint8Array): Record<string, string> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const env: Record<string, string> = {
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    SERVER_SOFTWARE: 'wasi-rewind',
    REQUEST_METHOD: req.method ?? 'GET',
    SCRIPT_NAME: '',
    PATH_INFO: url.pathname,
    QUERY_STRING: url.search.slice(1),
    CONTENT_LENGTH: String(body.length),
  };
  if (req.socket.localPort) env.SERVER_PORT = String(req.socket.localPort);
  if (req.socket.remoteAddress) env.REMOTE_ADDR = req.socket.remoteAddress;
  const type = req.headers['content-type'];
  if (type) env.CONTENT_TYPE = type;
  // From the raw list: a name with `_` (which would alias the same name with
  // `-`, e.g. X_A and X-A both becoming HTTP_X_A) is dropped, as nginx and
  // Apache do; repeated names are joined with ", " in their order.
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (!REQUEST_HEADER_NAME.test(name) || HIDDEN_REQUEST_HEADERS.has(name)) continue;
    const key = `HTTP_${name.toUpperCase().replace(/-/g, '_')}`;
    env[key] = key in env ? `${env[key]}, ${raw[i + 1]}` : raw[i + 1]!;
  }
  return env;
}

export interface CgiResponse { status: number; headers: Record<string, string | string[]>; body: Uint8Array }

/** The guest's output is not a valid CGI response; the reason is for the server log only. */
export class CgiOutputError extends Error {}

/** Limits on the guest's header block. */
const MAX_HEADER_BLOCK = 16 << 10;
const MAX_HEADERS = 100;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Visible ASCII and obs-text, tabs and spaces: no CR, LF or other control bytes.
const VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Framing and hop-by-hop headers belong to the server, not to the guest. */
const SERVER_HEADERS = new Set([
  'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'trailer', 'te',
  'proxy-connection', 'proxy-authenticate', 'date', 'server',
]);

export function parseCgiOutput(stdout: Uint8Array): CgiResponse {
  const out = Buffer.from(stdout.buffer, stdout.byteOffset, stdout.byteLength);
  const head = out.subarray(0, MAX_HEADER_BLOCK + 4).toString('latin1');
  const end = /\r?\n\r?\n/.exec(head);
  if (!end) throw new CgiOutputError(out.length === 0 ? 'no output' : 'no header block (the output must start with CGI headers and a blank line)');
  if (end.index > MAX_HEADER_BLOCK) throw new CgiOutputError(`header block larger than ${MAX_HEADER_BLOCK} bytes`);
  const lines = head.slice(0, end.index).split(/\r?\n/);
  if (lines.length > MAX_HEADERS) throw new CgiOutputError(`more than ${MAX_HEADERS} header lines`);
  const headers: Record<string, string | string[]> = {};
  let status: number | undefined;
  for (const line of lines) {
    const at = line.indexOf(':');
    const name = at > 0 ? line.slice(0, at).toLowerCase() : '';
    const value = line.slice(at + 1).trim();
    if (!TOKEN.test(name)) throw new CgiOutputError(`malformed header line ${JSON.stringify(line.slice(0, 80))}`);
    if (!VALUE.test(value)) throw new CgiOutputError(`header ${name} has control characters`);
    if (name === 'status') {
      const m = /^([2-5]\d\d)(?: [\t\x20-\x7e]*)?$/.exec(value);
      if (!m || status !== undefined) throw new CgiOutputError(`bad Status header ${JSON.stringify(value.slice(0, 80))}`);
      status = Number(m[1]);
    } else if (SERVER_HEADERS.has(name)) {
      throw new CgiOutputError(`the guest may not set the ${name} header`);
    } else if (name === 'set-cookie') {
      headers[name] = [...((headers[name] as string[] | undefined) ?? []), value];
    } else if (name in headers) {
      throw new CgiOutputError(`repeated header ${name}`);
    } else headers[name] = value;
  }
  if (headers.location !== undefined && status === undefined) status = 302;
  headers['content-type'] ??= 'application/octet-stream';
  return { status: status ?? 200, headers, body: out.subarray(end.index + end[0].length) };
}
