// A native wasi_snapshot_preview1 for one WasiHost: every preview1 import,
// built on the host's WASI 0.2 state (streams, file system, clocks, random),
// as Wasmtime builds its preview1 on its WASI 0.2 host. One object per
// instance: bind() gives it the instance's memory, beginRun() rebuilds the
// descriptor table a fresh instance would start with.
import type { ImportObject, WasiHost } from '../../shims/host.js';
import { argsEnv } from './args-env.js';
import { clock } from './clock.js';
import { UNBOUND, guard, type Context, type HostFn } from './context.js';
import { errnoOf } from './errno.js';
import { fdIo } from './fd-io.js';
import { fdMeta } from './fd-meta.js';
import { FdTable } from './fd-table.js';
import { GuestMemory, type MarkRange, type VirtualSize } from './memory.js';
import { p2Of } from './p2.js';
import { path } from './path.js';
import { poll } from './poll.js';
import { proc } from './proc.js';
import { readdir } from './readdir.js';

export const PREVIEW1 = 'wasi_snapshot_preview1';

export class Preview1 {
  private readonly ctx: Context;
  /** The import object for a core module: { wasi_snapshot_preview1: { ... } }. */
  readonly imports: Record<string, Record<string, HostFn>>;

  /** `imports`: the host's import object, or a view of it (the init probe counts calls through it). */
  constructor(private readonly host: WasiHost, imports: ImportObject = host.imports) {
    const p2 = p2Of(imports);
    this.ctx = { mem: UNBOUND, fds: new FdTable(p2), p2 };
    host.state.add('preview1 descriptor table', 'preview1', () => this.ctx.fds.describe());
    const calls: Record<string, HostFn> = {
      ...argsEnv(this.ctx), ...clock(this.ctx), ...fdIo(this.ctx), ...fdMeta(this.ctx),
      ...readdir(this.ctx), ...path(this.ctx), ...poll(this.ctx), ...proc(this.ctx),
    };
    const wrapped: Record<string, HostFn> = {};
    for (const [name, fn] of Object.entries(calls)) wrapped[name] = guard(fn, errnoOf);
    this.imports = { [PREVIEW1]: wrapped };
  }

  /** Names of the preview1 functions provided (a module importing others cannot link). */
  get names(): string[] {
    return Object.keys(this.imports[PREVIEW1]!);
  }

  /**
   * Binds the instance's memory. `virtual` is the guest-visible size (the
   * rewriter's) when there is one, `mark` records host writes for restore.
   */
  bind(memory: WebAssembly.Memory, virtual: VirtualSize | null, mark: MarkRange | null): void {
    this.ctx.mem = new GuestMemory(memory, virtual, mark);
  }

  /** The descriptor table of a fresh instance; call after the host's beginRun. */
  beginRun(): void {
    if (this.ctx.mem !== UNBOUND) this.ctx.mem.runStarted(); // unbound until the instance exists
    this.ctx.fds.rebuild();
    this.host.state.runStarted('preview1');
  }

  /** The volume was replaced (a snapshot file): descriptors must be opened anew at the next run. */
  volumeReplaced(): void {
    this.ctx.fds.invalidate();
  }

  /** After a post-init function: its descriptor table is every run's starting point. */
  markInitTable(): void {
    this.ctx.fds.mark();
  }

  /** True when an init left descriptors open (snapshot files cannot carry them on this path). */
  get holdsInitDescriptors(): boolean {
    return this.ctx.fds.holdsInitDescriptors;
  }
}
