// Starts `rewind serve` as a separate process and resolves with its URL once
// it listens (for load tests, which must run from another process).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/rewind.js', import.meta.url));

/** `stderr: 'pipe'` keeps the server's log lines for the caller (child.stderr). */
export function spawnServe(args: string[], { stderr = 'inherit' }: { stderr?: 'inherit' | 'pipe' } = {}): Promise<{ url: string; child: ChildProcess }> {
  return spawnListening('rewind serve', [bin, 'serve', ...args, '--port', '0'], stderr);
}

/** Starts `node ...nodeArgs`; resolves once it prints "listening on URL". */
export async function spawnListening(name: string, nodeArgs: string[], stderr: 'inherit' | 'pipe' = 'inherit'): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, nodeArgs, { stdio: ['ignore', 'pipe', stderr] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
  return { url, child };
}
