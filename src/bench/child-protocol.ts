// A fresh-instance baseline in a child process (jco + preview2-shim,
// node:wasi): the child prepares the workload once, warms it up, then times
// as many windows of fresh runs as the parent asks for. One child serves a
// whole measurement, or every round of a side-by-side comparison, so a round
// pays neither a process start nor a compilation. Messages go over Node's
// IPC channel, structured-cloned: in-memory trees can be megabytes of bytes.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Workload } from './measure.js';
import { timeRuns, warmUpTimed, type Summary } from './stats.js';

/** Fresh runs the child does before its first window, besides WARM_MS (stats.ts). */
const WARM_RUNS = 20;

type Request = { workload: Workload } | { runs: number };
/** A window's timings and the child's resident memory after it. */
export type WindowSummary = Summary & { rssMiB: number };
type Reply = { ready: true; p50Ms: number } | WindowSummary | { error: string };

/** Why a child could not measure: its error, its crash or its failure to start. */
export class ChildFailed extends Error {}

/**
 * The script of a child, `name` without extension next to this file: built
 * (dist/), it is JavaScript; from sources, tsx (as this package resolves it,
 * not as the current directory would: the CLI runs from anywhere) loads the .ts file.
 */
export function childScript(name: string): string[] {
  const built = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  return existsSync(built) ? [built] : ['--import', import.meta.resolve('tsx'), fileURLToPath(new URL(`./${name}.ts`, import.meta.url))];
}

/** Parent side: one child process that times fresh runs of one workload. */
export class BaselineChild {
  private stderr = '';
  private ended: string | null = null;
  private pending: ((r: Reply | Error) => void) | null = null;
  /** Median ms of the warm-up's runs (sizes the windows of a round). */
  p50Ms = 0;

  private constructor(private readonly proc: ChildProcess) {
    proc.stderr!.on('data', (d) => (this.stderr = (this.stderr + d).slice(-4000)));
    proc.on('message', (m) => this.settle(m as Reply));
    proc.on('error', (e) => this.fail(`cannot start the child process: ${e.message}`));
    proc.on('exit', (code, signal) => this.fail(signal ? `crashed (${signal})` : `failed (exit ${code}): ${this.stderr.trim().slice(-300)}`));
  }

  /** Starts `script` (childScript's), sends it the workload and waits until it has warmed up. */
  static async start(script: string[], w: Workload, nodeFlags: string[] = []): Promise<BaselineChild> {
    const proc = spawn(process.execPath, [...nodeFlags, ...script], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
    const child = new BaselineChild(proc);
    const ready = await child.ask({ workload: w });
    if (!('ready' in ready)) throw new ChildFailed('the child did not answer the workload with ready');
    child.p50Ms = ready.p50Ms;
    return child;
  }

  /** Times `runs` fresh runs in the child. */
  async window(runs: number): Promise<WindowSummary> {
    const r = await this.ask({ runs });
    if (!('runs' in r)) throw new ChildFailed('the child did not answer a window with its timings');
    return r;
  }

  close(): void {
    this.ended ??= 'closed';
    if (this.proc.connected) this.proc.disconnect();
  }

  private ask(request: Request): Promise<Reply> {
    if (this.ended) return Promise.reject(new ChildFailed(this.ended));
    return new Promise<Reply | Error>((resolve) => {
      this.pending = resolve;
      this.proc.send(request);
    }).then((r) => {
      if (r instanceof Error) throw r;
      if ('error' in r) throw new ChildFailed(r.error);
      return r;
    });
  }

  private settle(r: Reply | Error): void {
    const pending = this.pending;
    this.pending = null;
    pending?.(r);
  }

  private fail(reason: string): void {
    this.ended ??= reason;
    this.settle(new ChildFailed(reason));
  }
}

/**
 * Child side: `prepare` turns the workload into one fresh run (`once`,
 * returning its instantiation time in ms). The child warms it up, then
 * answers each window request with the window's summary, and exits when
 * the parent disconnects. `exit` ends the process (a host may have replaced
 * process.exit, or keep the event loop alive with a worker).
 */
export function serveParent(prepare: (w: Workload) => Promise<() => number>, exit: (code: number) => void): void {
  let once: (() => number) | null = null;
  const reply = (r: Reply) => process.send!(r);
  process.on('disconnect', () => exit(0));
  process.on('message', (m: Request) => {
    void (async () => {
      try {
        if ('workload' in m) {
          const run = (once = await prepare(m.workload));
          reply({ ready: true, p50Ms: warmUpTimed(WARM_RUNS, run) });
        } else reply({ ...timeRuns(m.runs, once!), rssMiB: process.memoryUsage().rss / 2 ** 20 });
      } catch (e) {
        reply({ error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
      }
    })();
  });
}
