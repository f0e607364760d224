// The `rewind` command line: `rewind run`, `call`, `bench`, `inspect` and `serve`.
import { parseArgs } from 'node:util';
import { RewindError } from '../errors.js';
import { validate } from '../options.js';
import { benchFlags, runFlags, serveFlags } from './flags.js';
import { runCommand } from './run.js';
import { benchCommand } from './bench.js';
import { serveCommand } from './serve.js';
import { callCommand, callFlags } from './call.js';
import { inspectCommand, inspectFlags } from './inspect.js';

const USAGE = `usage:
  rewind run <component|module> [--dir HOST::GUEST]... [--env K=V]... [--times N]
             [--strategy snapshot|reinstantiate|none|guest] [--memory-tracking marks|scan|auto] [--bounds-checks virtual|real|unchecked]
             [--snapshot FILE] [--save-snapshot FILE] [--snapshot-key-file FILE] [--init EXPORT] [--after-restore EXPORT] [-- args...]
  rewind call <component> <export> [json args...] [--reset always|never|on-trap|every=N] [--times N]
             [--strategy snapshot|reinstantiate|none] [--dir HOST::GUEST]... [--env K=V]...
  rewind bench <component|module> [--runs N] [--json out.json] [--html report.html] [--strategies]
             [--dir HOST::GUEST]... [--init EXPORT] [--after-restore EXPORT] [-- args...]
  rewind inspect <component|module> [--runs N] [--html report.html] [--json deltas.json] [--stdin FILE|-]
             [--strategy snapshot|reinstantiate|none|guest] [--dir HOST::GUEST]... [--env K=V]... [-- args...]
  rewind serve <component|module> [--port N] [--host 127.0.0.1] [--workers N] [--timeout MS]
             [--queue-timeout MS] [--drain-timeout MS] [--max-body BYTES] [--max-header BYTES] [--strategy snapshot|reinstantiate]
             [--dir HOST::GUEST]... [--reset always|never|on-trap|every=N] [--allow-outgoing HOST[:PORT]]...
             [--memory-tracking marks|scan|auto] [--bounds-checks virtual|real|unchecked]`;

/** Exit code for a failure that is not the user's or the guest's (a bug in wasi-rewind). */
const INTERNAL = 70;

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
        'snapshot-key-file': { type: 'string' },
        'queue-timeout': { type: 'string' },
        'drain-timeout': { type: 'string' },
        'max-body': { type: 'string' },
        'max-header': { type: 'string' },
        'allow-outgoing': { type: 'string', multiple: true },
        init: { type: 'string' },
        'after-restore': { type: 'string' },
        'memory-tracking': { type: 'string' },
        'bounds-checks': { type: 'string' },
        strategy: { type: 'string' },
        runs: { type: 'string' },
        json: { type: 'string' },
        html: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        workers: { type: 'string' },
        timeout: { type: 'string' },
        reset: { type: 'string' },
        stdin: { type: 'string' },
        strategies: { type: 'boolean' },
      },
    });
    const [file, ...args] = positionals;
    const { 'save-snapshot': saveSnapshot, 'snapshot-key-file': snapshotKeyFile, 'queue-timeout': queueTimeout, 'drain-timeout': drainTimeout, 'max-body': maxBody, 'max-header': maxHeader, 'after-restore': afterRestore, 'allow-outgoing': allowOutgoing, 'memory-tracking': memoryTracking, 'bounds-checks': boundsChecks, ...common } = values;
    if (command === 'run') return await runCommand(validate(runFlags, { ...common, saveSnapshot, snapshotKeyFile, afterRestore, memoryTracking, boundsChecks, file, args }, 'flags'));
    if (command === 'bench') return await benchCommand(validate(benchFlags, { ...common, afterRestore, file, args }, 'flags'));
    if (command === 'call') return await callCommand(validate(callFlags, { ...common, file, args }, 'flags'));
    if (command === 'inspect') return await inspectCommand(validate(inspectFlags, { ...common, afterRestore, file, args }, 'flags'));
    if (command === 'serve') return await serveCommand(validate(serveFlags, { ...common, queueTimeout, drainTimeout, maxBody, maxHeader, allowOutgoing, memoryTracking, boundsChecks, file, args }, 'flags'));
    process.stderr.write(`${command ? `unknown command "${command}"\n` : ''}${USAGE}\n`);
    return 2;
  } catch (e) {
    // One line, no stack trace: user and guest errors are RewindErrors;
    // anything else is a bug, whose stack REWIND_DEBUG=1 shows.
    if (e instanceof RewindError) process.stderr.write(`rewind: ${e.code}: ${e.message}\n`);
    else if ((e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) process.stderr.write(`rewind: INVALID_OPTIONS: ${(e as Error).message}\n${USAGE}\n`);
    else {
      process.stderr.write(`rewind: INTERNAL: ${oneLine(e)}${process.env.REWIND_DEBUG ? `\n${(e as Error)?.stack}` : ' (REWIND_DEBUG=1 shows the stack)'}\n`);
      return INTERNAL;
    }
    return 2;
  }
}

function oneLine(e: unknown): string {
  return (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).split('\n')[0]!;
}
