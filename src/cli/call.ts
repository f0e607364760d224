// `rewind call <file> <export> [json args...]`: calls one export of a
// component N times on one instance under a reset policy. The guest's stdout
// and stderr stream through; each call's value is printed as one JSON line
// on stdout. Exit code: 0, 1 after an `err` result, the guest's exit code,
// or 134 after a trap (the last call's).
import { z } from 'zod';
import { InvalidOptionsError } from '../errors.js';
import { ReusableInstance } from '../instance.js';
import { strategies } from '../options.js';
import { readStdin } from '../stdin.js';
import { count, dirFlag, envFlag, resetFlag } from './flags.js';

export const callFlags = z.object({
  file: z.string({ message: 'missing the component to call' }).min(1),
  args: z.array(z.string()).min(1, 'missing the export to call (`rewind call FILE EXPORT [json args...]`)'),
  dir: z.array(dirFlag).default([]),
  env: z.array(envFlag).default([]),
  times: count('--times').default(1),
  strategy: z.enum(strategies).default('snapshot'),
  reset: resetFlag.optional(),
}).strict();

export async function callCommand(flags: z.output<typeof callFlags>): Promise<number> {
  const [name, ...json] = flags.args as [string, ...string[]];
  const args = json.map((text, i) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new InvalidOptionsError('flags', [`argument ${i + 1} is not JSON: ${text} (a string is written "\\"text\\"")`]);
    }
  });
  const inst = await ReusableInstance.create(flags.file, {
    strategy: flags.strategy,
    dirs: Object.fromEntries(flags.dir.map((d) => [d.guest, d.host])),
    env: Object.fromEntries(flags.env),
    ...(flags.reset ? { reset: flags.reset } : {}),
  });
  for (const w of inst.warnings) process.stderr.write(`rewind: warning: ${w}\n`);
  const stdin = process.stdin.isTTY ? new Uint8Array() : await readStdin(process.stdin);
  let code = 0;
  for (let i = 0; i < flags.times; i++) {
    const r = inst.call(name, args, {
      stdin,
      onStdout: (c) => process.stdout.write(c),
      onStderr: (c) => process.stderr.write(c),
    });
    if (r.trap) {
      process.stderr.write(`rewind: call ${i + 1} ${r.trap.kind === 'trap' ? 'trapped' : 'failed'}: ${r.trap.message}\n`);
      code = 134;
    } else if (r.exitCode !== undefined) code = r.exitCode;
    else if ('error' in r) {
      process.stderr.write(`rewind: call ${i + 1} returned err: ${toJson(r.error)}\n`);
      code = 1;
    } else {
      process.stdout.write(`${toJson(r.value)}\n`);
      code = 0;
    }
  }
  return code;
}

/** JSON for WIT values: bigints as decimal strings, byte lists as arrays, resources by name. */
function toJson(value: unknown): string {
  return JSON.stringify(value ?? null, (_, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (ArrayBuffer.isView(v)) return [...(v as Uint8Array)];
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype) return `[resource ${Object.getPrototypeOf(v)?.constructor?.name ?? ''}]`;
    return v;
  });
}
