// The reset lab: runs a program on a ReusableInstance and records, per run,
// the state the run left different from the snapshot (memory chunks by
// region, globals, tables, glue bindings, files, host channels), and what
// the restore before the next run cost. It watches through the instance's
// RunObserver hooks, so an instance created without a lab pays nothing.
// Memory, globals, tables and glue are tracked under strategy `snapshot`
// only (other strategies run unrewritten modules); files and channels
// under every strategy.
import { readFile } from 'node:fs/promises';
import type { Live } from '../backend/live.js';
import { ReusableInstance, type RunObserver, type RunResult } from '../instance.js';
import type { CreateOptions, RunOptions } from '../options.js';
import { PAGE } from '../rewrite/info.js';
import type { ImportObject } from '../../shims/host.js';
import { ChannelCounter } from './channels.js';
import { fingerprint, fsDelta, type FsDelta, type FsPrint } from './fs-delta.js';
import { readLayout, type Layout } from './layout.js';
import { memoryDelta, type MemoryDelta } from './memory-delta.js';
import { regionsOf } from './regions.js';
import { StateBaseline, type TableChange, type ValueChange } from './state-delta.js';

export interface RunDelta {
  run: number;
  exitCode: number | null;
  trap?: string;
  durationMs: number;
  memories: MemoryDelta[];
  globals: ValueChange[];
  tables: TableChange[];
  glue: ValueChange[];
  files: FsDelta;
  /** Host calls per interface function, and `stdin bytes read`. */
  channels: Record<string, number>;
  /** The rewind that undid this run (set by the next run, or by finish()). */
  restore?: { resetMs: number; chunksRestored: number };
}

class Recorder implements RunObserver {
  readonly channels = new ChannelCounter();
  private baseline: StateBaseline | null = null;
  private fsPrint: FsPrint = new Map();
  readonly deltas: RunDelta[] = [];

  constructor(private readonly layout: Layout | null) {}

  wrapImports(table: ImportObject): ImportObject {
    return this.channels.wrap(table);
  }

  instantiated(live: Live): void {
    this.baseline = live.parts ? new StateBaseline(live.parts.linker, live.parts.bindings, this.layout) : null;
    this.fsPrint = fingerprint(live.host.fs);
    this.channels.take(); // what the init called is not a run's
  }

  afterRun(live: Live, result: RunResult): void {
    const b = this.baseline;
    const memories = live.parts?.linker.memories ?? [];
    const sp = b?.globalValue('__stack_pointer') ?? null;
    const delta: RunDelta = {
      run: this.deltas.length + 1,
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      memories: memories.map((m, i) => memoryDelta(i, m, regionsOf(i === 0 ? this.layout : null, i === 0 ? sp : null, m.snapshotImage.length / PAGE, m.memory!.buffer.byteLength))),
      globals: b?.globalChanges() ?? [],
      tables: b?.tableChanges() ?? [],
      glue: b?.glueChanges() ?? [],
      files: fsDelta(this.fsPrint, fingerprint(live.host.fs)),
      channels: this.channels.take(),
    };
    if (result.trap) delta.trap = result.trap.message;
    this.deltas.push(delta);
  }
}

export class Lab {
  private constructor(readonly instance: ReusableInstance, private readonly recorder: Recorder) {}

  static async create(input: string | Uint8Array, options: CreateOptions = {}): Promise<Lab> {
    const bytes = typeof input === 'string' ? await readFile(input).catch(() => null) : input;
    const recorder = new Recorder(bytes ? readLayout(bytes) : null);
    return new Lab(await ReusableInstance.create(input, options, recorder), recorder);
  }

  get deltas(): readonly RunDelta[] {
    return this.recorder.deltas;
  }

  /** Runs once; the returned delta's `restore` is filled in by the next run or finish(). */
  async run(options: RunOptions = {}): Promise<{ result: RunResult; delta: RunDelta }> {
    this.rewind();
    const result = await this.instance.run(options);
    return { result, delta: this.recorder.deltas.at(-1)! };
  }

  /** Rewinds after the last run, so that its delta gets its restore cost. */
  finish(): readonly RunDelta[] {
    this.rewind();
    return this.deltas;
  }

  private rewind(): void {
    const last = this.recorder.deltas.at(-1);
    if (!last || last.restore) return;
    last.restore = this.instance.reset();
  }
}
