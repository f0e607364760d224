// `rewind inspect`: runs a program N times on one instance with the reset
// lab attached, prints each run's state delta and a summary, and writes a
// self-contained HTML report (heat map and delta table).
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { z } from 'zod';
import { BenchError, InvalidOptionsError } from '../errors.js';
import { Lab } from '../lab/lab.js';
import { htmlReport, textSummary } from '../lab/report.js';
import { strategies } from '../options.js';
import { readStdin } from '../stdin.js';
import { count, dirFlag, envFlag } from './flags.js';

export const inspectFlags = z.object({
  file: z.string({ message: 'missing the component or module to inspect' }).min(1),
  runs: count('--runs', 10_000).default(3),
  html: z.string().min(1).default('rewind-inspect.html'),
  json: z.string().min(1).optional(),
  /** Stdin for every run: a file, or "-" for this process's stdin (default: empty). */
  stdin: z.string().min(1).optional(),
  strategy: z.enum(strategies).default('snapshot'),
  dir: z.array(dirFlag).default([]),
  env: z.array(envFlag).default([]),
  init: z.string().min(1).optional(),
  afterRestore: z.string().min(1).optional(),
  args: z.array(z.string()).default([]),
}).strict();

export async function inspectCommand(flags: z.output<typeof inspectFlags>): Promise<number> {
  const lab = await Lab.create(flags.file, {
    strategy: flags.strategy,
    dirs: Object.fromEntries(flags.dir.map((d) => [d.guest, d.host])),
    env: Object.fromEntries(flags.env),
    args: flags.args,
    ...(flags.init ? { init: flags.init } : {}),
    ...(flags.afterRestore ? { afterRestore: flags.afterRestore } : {}),
  });
  const stdin = await stdinOf(flags.stdin);
  for (let i = 0; i < flags.runs; i++) await lab.run({ stdin });
  const deltas = lab.finish();
  process.stdout.write(textSummary(deltas));
  const title = `rewind inspect ${basename(flags.file)} ${flags.args.join(' ')}`.trim();
  try {
    await writeFile(flags.html, htmlReport(title, deltas));
    if (flags.json) await writeFile(flags.json, `${JSON.stringify(deltas, null, 2)}\n`);
  } catch (e) {
    throw new BenchError(`cannot write the report: ${(e as Error).message}`);
  }
  process.stdout.write(`report: ${flags.html}\n`);
  return 0;
}

async function stdinOf(source: string | undefined): Promise<Uint8Array> {
  if (source === undefined) return new Uint8Array();
  if (source === '-') return readStdin(process.stdin);
  try {
    return Uint8Array.from(await readFile(source));
  } catch (e) {
    throw new InvalidOptionsError('flags', [`--stdin: cannot read ${source}: ${(e as Error).message}`]);
  }
}
