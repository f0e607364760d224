// The `rewind` command line: `rewind run` and `rewind bench`.
import { parseArgs } from 'node:util';
import { RewindError } from '../errors.js';
import { validate } from '../options.js';
import { benchFlags, runFlags, serveFlags } from './flags.js';
import { runCommand } from './run.js';
import { benchCommand } from './bench.js';
import { serveCommand } from './serve.js';

const USAGE = `usage:
  rewind run <component|module> [--dir HOST::GUEST]... [--env K=V]... [--times N]
             [--strategy snapshot|reinstantiate|none|guest]
             [--snapshot FILE] [--save-snapshot FILE] [--init EXPORT] [--after-restore EXPORT] [-- args...]
  rewind bench <component|module> [--runs N] [--json out.json] [--html report.html]
             [--dir HOST::GUEST]... [--init EXPORT] [--after-restore EXPORT] [-- args...]
  rewind serve <component|module> [--port N] [--host 127.0.0.1] [--workers N] [--timeout MS]
             [--strategy snapshot|reinstantiate] [--dir HOST::GUEST]...`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        dir: { type: 'string', multiple: true },
        env: { type: 'string', multiple: true },
        times: { type: 'string' },
        snapshot: { type: 'string' },
        'save-snapshot': { type: 'string' },
        init: { type: 'string' },
        'after-restore': { type: 'string' },
        strategy: { type: 'string' },
        runs: { type: 'string' },
        json: { type: 'string' },
        html: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        workers: { type: 'string' },
        timeout: { type: 'string' },
      },
    });
    const [file, ...args] = positionals;
    const { 'save-snapshot': saveSnapshot, 'after-restore': afterRestore, ...rest2 } = values;
    if (command === 'run') return await runCommand(validate(runFlags, { ...rest2, saveSnapshot, afterRestore, file, args }, 'flags'));
    if (command === 'bench') return await benchCommand(validate(benchFlags, { ...rest2, afterRestore, file, args }, 'flags'));
    if (command === 'serve') return await serveCommand(validate(serveFlags, { ...rest2, file, args }, 'flags'));
    process.stderr.write(`${command ? `unknown command "${command}"\n` : ''}${USAGE}\n`);
    return 2;
  } catch (e) {
    if (e instanceof RewindError) process.stderr.write(`rewind: ${e.message}\n`);
    else if ((e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) process.stderr.write(`rewind: ${(e as Error).message}\n${USAGE}\n`);
    else throw e;
    return 2;
  }
}
