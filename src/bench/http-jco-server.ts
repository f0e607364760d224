// The jco-style baseline for wasi:http serving: preview2-shim's HTTPServer
// (its Node host, the server on its I/O worker thread) in front of a
// component transpiled by jco, with one shared instance (reused without any
// reset, state carries over) or a fresh instance per request.
// Usage (a child process of http-load.ts): tsx http-jco-server.ts <component> shared|fresh
// Prints "listening on http://127.0.0.1:PORT" once it serves.
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import * as shimHttp from '@bytecodealliance/preview2-shim/http';
import { prepareComponent } from '../prepare.js';

type Handler = { handle(request: unknown, out: unknown): void };
// The package's types for "./http" are the browser build's; Node's has HTTPServer.
const { HTTPServer } = shimHttp as unknown as {
  HTTPServer: new (handler: Handler) => { listen(port: number, host: string): void; address(): unknown; stop(): void };
};

const [file, mode] = process.argv.slice(2);
if (!file || (mode !== 'shared' && mode !== 'fresh')) throw new Error('usage: http-jco-server.ts <component> shared|fresh');
const { instantiate, modules } = (await prepareComponent(file)).plain;
const shim = new WASIShim({ sandbox: { enableNetwork: false } });
const handlerOf = (): Handler => {
  const exports = instantiate((name) => modules.get(name)!, shim.getImportObject() as never, (m, i) => new WebAssembly.Instance(m, i as WebAssembly.Imports)) as Record<string, unknown>;
  const key = Object.keys(exports).find((k) => /^(wasi:http\/incoming-handler|incomingHandler)/.test(k));
  if (!key) throw new Error(`the component does not export wasi:http/incoming-handler (${Object.keys(exports).join(', ')})`);
  return exports[key] as Handler;
};
const shared = mode === 'shared' ? handlerOf() : undefined;
const server = new HTTPServer(shared ?? { handle: (request: unknown, out: unknown) => handlerOf().handle(request, out) });
server.listen(0, '127.0.0.1');
const address = server.address() as { port: number };
process.stdout.write(`listening on http://127.0.0.1:${address.port}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => { server.stop(); process.exit(0); });
