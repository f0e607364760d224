// Raw HTTP clients for the serve tests: bytes fetch() would never send
// (lying lengths, huge heads, disconnects mid-body).
import { connect } from 'node:net';

/** Sends raw bytes, then collects everything until the server closes the connection (or `ms` pass). */
export function raw(port: number, chunks: (string | Buffer)[], o: { ms?: number; destroyAfterMs?: number } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (d) => (data += d.toString('latin1')));
    socket.on('error', () => {});
    const done = () => resolve(data);
    socket.on('close', done);
    socket.on('connect', () => {
      for (const c of chunks) socket.write(c);
      if (o.destroyAfterMs !== undefined) setTimeout(() => socket.destroy(), o.destroyAfterMs);
    });
    setTimeout(() => { socket.destroy(); done(); }, o.ms ?? 5000);
  });
}

/** The status lines of every response in a raw reply. */
export const statusLines = (text: string) => text.match(/^HTTP\/1\.1 \d{3}/gm) ?? [];
