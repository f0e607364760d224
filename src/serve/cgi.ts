// CGI/1.1 conventions for `rewind serve`: the request as environment
// variables and stdin, and the response as optional headers (ending in a
// blank line, `Status:` setting the code) followed by the body on stdout.
import type { IncomingMessage } from 'node:http';

export function cgiEnv(req: IncomingMessage, body: Uint8Array): Record<string, string> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const env: Record<string, string> = {
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: url.pathname,
    QUERY_STRING: url.search.slice(1),
    CONTENT_LENGTH: String(body.length),
  };
  if (req.headers['content-type']) env.CONTENT_TYPE = req.headers['content-type'];
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') env[`HTTP_${name.toUpperCase().replace(/-/g, '_')}`] = value;
  }
  return env;
}

export interface CgiResponse { status: number; headers: Record<string, string>; body: Uint8Array }

export function parseCgiOutput(stdout: Uint8Array): CgiResponse {
  const text = Buffer.from(stdout).toString('latin1');
  const end = /\r?\n\r?\n/.exec(text);
  const head = end ? text.slice(0, end.index) : '';
  const lines = head.split(/\r?\n/);
  if (!end || !lines.every((l) => /^[A-Za-z0-9-]+:/.test(l))) {
    return { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: stdout };
  }
  const headers: Record<string, string> = {};
  let status = 200;
  for (const line of lines) {
    const at = line.indexOf(':');
    const name = line.slice(0, at).trim().toLowerCase();
    const value = line.slice(at + 1).trim();
    if (name === 'status') status = Number.parseInt(value, 10) || 200;
    else headers[name] = value;
  }
  return { status, headers, body: stdout.subarray(end.index + end[0].length) };
}
