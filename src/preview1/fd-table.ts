// The preview1 descriptor table of one run: 0, 1, 2 are stdio, preopens
// follow from 3, as a fresh instance sees them. Numbers are allocated as
// Wasmtime does: the highest freed number first, else one past the highest
// in use. rebuild() runs at every run start, so nothing a run opened, closed
// or renumbered reaches the next run; a run that did none of that leaves the
// table as it found it, and the rebuild is skipped. After a post-init
// function, mark() makes the table as the init left it (descriptors it kept
// open, with their positions) what every run starts from, as a fresh
// instance after the same init would.
import { E } from './errno.js';
import type { Descriptor, InputStream, OutputStream, P2 } from './p2.js';

export type Entry =
  | { kind: 'stdin'; stream: InputStream }
  | { kind: 'stdout'; stream: OutputStream }
  | { kind: 'stderr'; stream: OutputStream }
  | { kind: 'dir'; desc: Descriptor; preopen: string | null }
  | { kind: 'file'; desc: Descriptor; position: bigint; append: boolean; nonblock: boolean };

export type FileEntry = Extract<Entry, { kind: 'file' }>;
export type DirEntry = Extract<Entry, { kind: 'dir' }>;

/** Descriptor numbers are u32; the table never holds more than this many entries (EMFILE beyond). */
const MAX_OPEN = 1 << 16;

export class FdTable {
  private readonly used = new Map<number, Entry>();
  private free: number[] = []; // ascending
  private highest = -1;
  /** Set by every change to the table since the last rebuild. */
  private changed = true;

  constructor(private readonly p2: P2) {}

  /** The table every run starts from, when an init left one (mark()). */
  private base: { used: [number, Entry][]; free: number[]; highest: number } | null = null;

  /** Makes the next rebuild happen even if the table did not change. */
  invalidate(): void {
    this.changed = true;
  }

  /** Records the current table as every run's starting point (after a post-init function). */
  mark(): void {
    this.base = { used: [...this.used].map(([fd, e]) => [fd, { ...e }]), free: [...this.free], highest: this.highest };
    this.changed = true;
  }

  /** True when the starting table holds more than stdio and preopens (descriptors an init kept open). */
  get holdsInitDescriptors(): boolean {
    return !!this.base?.used.some(([, e]) => e.kind === 'file' || (e.kind === 'dir' && e.preopen === null));
  }

  rebuild(): void {
    // Positions of files in the starting table move without changing the table.
    if (!this.changed && !this.holdsInitDescriptors) return;
    const kept = new Set(this.base?.used.map(([, e]) => ('desc' in e ? e.desc : null)));
    for (const e of this.used.values()) if (e.kind === 'file' && !kept.has(e.desc)) e.desc[Symbol.dispose]?.();
    this.used.clear();
    if (this.base) {
      for (const [fd, e] of this.base.used) this.used.set(fd, { ...e });
      this.free = [...this.base.free];
      this.highest = this.base.highest;
    } else {
      this.free = [];
      this.highest = -1;
      this.push({ kind: 'stdin', stream: this.p2.stdin() });
      this.push({ kind: 'stdout', stream: this.p2.stdout() });
      this.push({ kind: 'stderr', stream: this.p2.stderr() });
      for (const [desc, path] of this.p2.preopens()) this.push({ kind: 'dir', desc, preopen: path });
    }
    this.changed = false;
  }

  /** The table as a guest can observe it, number by number (verifyRestore). */
  describe(): Map<string, string> {
    const out = new Map<string, string>([['(free)', this.free.join(',')], ['(highest)', String(this.highest)]]);
    for (const [fd, e] of this.used) {
      out.set(`fd ${fd}`, e.kind === 'file' ? `file position=${e.position} append=${e.append} nonblock=${e.nonblock}` : e.kind === 'dir' ? `dir preopen=${e.preopen}` : e.kind);
    }
    return out;
  }

  push(entry: Entry): number {
    if (this.used.size >= MAX_OPEN) throw E.MFILE;
    const fd = this.free.length ? this.free.pop()! : ++this.highest;
    this.used.set(fd, entry);
    this.changed = true;
    return fd;
  }

  /** Any open descriptor (EBADF otherwise). */
  get(fd: number): Entry {
    const e = this.used.get(fd >>> 0);
    if (!e) throw E.BADF;
    return e;
  }

  file(fd: number): FileEntry {
    const e = this.used.get(fd >>> 0);
    if (!e || e.kind !== 'file') throw E.BADF;
    return e;
  }

  dir(fd: number): DirEntry {
    const e = this.used.get(fd >>> 0);
    if (!e || e.kind !== 'dir') throw E.BADF;
    return e;
  }

  /** A file or directory's file-system descriptor (stdio: EBADF). */
  fsDescriptor(fd: number): Descriptor {
    const e = this.get(fd);
    if (e.kind !== 'file' && e.kind !== 'dir') throw E.BADF;
    return e.desc;
  }

  /** A file with a position (stdio: ESPIPE, as Wasmtime). */
  seekable(fd: number): FileEntry {
    const e = this.get(fd);
    if (e.kind === 'file') return e;
    throw e.kind === 'dir' ? E.BADF : E.SPIPE;
  }

  close(fd: number): void {
    fd >>>= 0;
    const e = this.get(fd);
    this.used.delete(fd);
    this.addFree(fd);
    this.changed = true;
    // Stdio streams belong to the host and serve every run: only the number goes.
    if (e.kind === 'file' || e.kind === 'dir') e.desc[Symbol.dispose]?.();
  }

  renumber(from: number, to: number): void {
    from >>>= 0;
    to >>>= 0;
    const e = this.get(from);
    this.get(to); // the destination must be open too (EBADF)
    if (from === to) return;
    this.changed = true;
    this.used.delete(from);
    this.addFree(from);
    const old = this.used.get(to);
    if (old && (old.kind === 'file' || old.kind === 'dir')) old.desc[Symbol.dispose]?.();
    this.free = this.free.filter((n) => n !== to);
    this.used.set(to, e);
    if (to > this.highest) this.highest = to;
  }

  private addFree(fd: number): void {
    let i = this.free.length;
    while (i > 0 && this.free[i - 1]! > fd) i--;
    this.free.splice(i, 0, fd);
  }
}
