// `rewind run`: runs a component N times on one instance, streaming its
// output; the process exits with the last run's exit code (134 on a trap).
import { readFile } from 'node:fs/promises';
import { InvalidOptionsError } from '../errors.js';
import { ReusableInstance } from '../instance.js';
import { readStdin } from '../stdin.js';
import type { z } from 'zod';
import type { runFlags } from './flags.js';

export async function runCommand(flags: z.output<typeof runFlags>): Promise<number> {
  const snapshotKey = flags.snapshotKeyFile ? await readKey(flags.snapshotKeyFile) : undefined;
  const inst = await ReusableInstance.create(flags.file, {
    strategy: flags.strategy,
    dirs: Object.fromEntries(flags.dir.map((d) => [d.guest, d.host])),
    env: Object.fromEntries(flags.env),
    args: flags.args,
    ...(flags.snapshot ? { snapshotFile: flags.snapshot } : {}),
    ...(snapshotKey ? { snapshotKey } : {}),
    ...(flags.init ? { init: flags.init } : {}),
    ...(flags.afterRestore ? { afterRestore: flags.afterRestore } : {}),
    ...(flags.memoryTracking ? { memoryTracking: flags.memoryTracking } : {}),
    ...(flags.boundsChecks ? { boundsChecks: flags.boundsChecks } : {}),
  });
  for (const w of inst.warnings) process.stderr.write(`rewind: warning: ${w}
`);
  if (flags.saveSnapshot) await inst.saveSnapshot(flags.saveSnapshot);
  const stdin = process.stdin.isTTY ? new Uint8Array() : await readStdin(process.stdin);
  let code = 0;
  for (let i = 0; i < flags.times; i++) {
    const r = inst.runSync({
      stdin,
      onStdout: (c) => process.stdout.write(c),
      onStderr: (c) => process.stderr.write(c),
    });
    if (r.trap) process.stderr.write(`rewind: run ${i + 1} ${r.trap.kind === 'trap' ? 'trapped' : 'failed'}: ${r.trap.message}\n`);
    code = r.exitCode ?? 134;
  }
  return code;
}

/** The key file's bytes, as they are (a trailing newline is part of the key). */
async function readKey(path: string): Promise<Uint8Array> {
  try {
    return Uint8Array.from(await readFile(path));
  } catch (e) {
    throw new InvalidOptionsError('flags', [`--snapshot-key-file: cannot read ${path}: ${(e as Error).message}`]);
  }
}
