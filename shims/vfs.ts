// The virtual file system behind wasi:filesystem: one inode volume per host
// (shims/fs), populated at create time from in-memory trees and copies of host
// directories. Guest paths are volume paths. The state after setup (and after
// any init) is committed; a reset rolls back what the run changed (undo
// journal), so its cost is proportional to the change, and inode numbers and
// timestamps come back exactly as a fresh instance has them.
import { lstatSync, readdirSync, readFileSync, readlinkSync, statSync, type BigIntStats } from 'node:fs';
import { join, posix } from 'node:path';
import { InvalidOptionsError } from '../src/errors.js';
import type { Inode } from './fs/inode.js';
import { DEFAULT_LIMITS, Volume, type Limits } from './fs/volume.js';

/** A file tree: string/bytes are files, nested objects are directories. */
export type Tree = { [name: string]: string | Uint8Array | Tree };
export type MountSource = { hostDir: string } | { tree: Tree };
export interface Mount { guestPath: string; source: MountSource }

/** Nanosecond times and the inode number as decimal strings (JSON-safe). */
interface Times { atime: string; mtime: string; ctime: string; ino?: string }
/** One path of a saved volume; hard links are paths with the same `ns.ino`. */
export type Entry =
  | { path: string; kind: 'dir'; mtime: number; ns?: Times }
  | { path: string; kind: 'file'; data: Buffer; mtime: number; ns?: Times }
  | { path: string; kind: 'symlink'; target: string; ns?: Times };

export type FsClock = 'real' | { virtual: { startNs: bigint; stepNs: bigint } };

export interface VfsOptions {
  clock?: FsClock;
  limits?: Partial<Limits>;
}

const realNow = () => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e3)) * 1000n;

export class VirtualFs {
  readonly vol: Volume;
  readonly roots: string[];
  private tick = 0n;

  constructor(mounts: Mount[], options: VfsOptions = {}) {
    const clock = options.clock ?? 'real';
    // Virtual time: each file system timestamp is the next step from the start, restarted every run.
    const now = clock === 'real' ? realNow : () => clock.virtual.startNs + clock.virtual.stepNs * this.tick++;
    this.vol = new Volume({ ...DEFAULT_LIMITS, ...options.limits }, now);
    this.roots = mounts.map((m) => posix.normalize(m.guestPath));
    const problems: string[] = [];
    try {
      for (const m of mounts) {
        const root = this.mkdirs(posix.normalize(m.guestPath));
        if ('hostDir' in m.source) {
          const problem = hostDirProblem(m.source.hostDir);
          if (problem) problems.push(`dirs.${m.guestPath}: ${problem}`);
          else this.copyHostDir(m.source.hostDir, root);
        } else this.writeTree(root, m.source.tree);
      }
    } catch (e) {
      problems.push(typeof e === 'string'
        ? `dirs: the preopened trees exceed the file system limits (${e})`
        : `dirs: cannot copy a host directory: ${(e as Error).message}`);
    }
    if (problems.length) throw new InvalidOptionsError('options', problems);
    this.snapshot();
  }

  /** The inode at an absolute volume path (no symlinks followed), if any. */
  lookup(path: string): Inode | undefined {
    let at: Inode | undefined = this.vol.root;
    for (const part of path.split('/').filter((p) => p !== '')) at = at?.kind === 'dir' ? at.entries.get(part) : undefined;
    return at;
  }

  private mkdirs(path: string): Inode {
    let at = this.vol.root;
    for (const part of path.split('/').filter((p) => p !== '')) at = this.childDir(at, part);
    return at;
  }

  private childDir(dir: Inode, name: string): Inode {
    let child = dir.entries.get(name);
    if (!child) {
      child = this.vol.alloc('dir');
      this.vol.modify(dir).entries.set(name, child);
      dir.mtime = dir.ctime = this.vol.now();
    }
    return child;
  }

  private addFile(dir: Inode, name: string, data: Uint8Array): Inode {
    const old = dir.entries.get(name);
    const file = old?.kind === 'file' ? old : this.vol.alloc('file');
    this.vol.resize(file, 0);
    this.vol.write(file, data, 0);
    if (file !== old) {
      this.vol.modify(dir).entries.set(name, file);
      dir.mtime = dir.ctime = this.vol.now();
    }
    return file;
  }

  private writeTree(dir: Inode, tree: Tree): void {
    for (const [name, value] of Object.entries(tree)) {
      if (typeof value === 'string' || value instanceof Uint8Array) this.addFile(dir, name, typeof value === 'string' ? Buffer.from(value) : value);
      else this.writeTree(this.childDir(dir, name), value);
    }
  }

  private copyHostDir(hostDir: string, dir: Inode): void {
    for (const name of readdirSync(hostDir).sort()) {
      const from = join(hostDir, name);
      const st = lstatSync(from, { bigint: true });
      let inode: Inode;
      if (st.isDirectory()) {
        inode = this.vol.alloc('dir');
        this.vol.modify(dir).entries.set(name, inode);
        this.copyHostDir(from, inode);
      } else if (st.isSymbolicLink()) {
        inode = this.vol.alloc('symlink');
        inode.target = readlinkSync(from);
        this.vol.charge(inode.target.length);
        this.vol.modify(dir).entries.set(name, inode);
      } else if (st.isFile()) inode = this.addFile(dir, name, readFileSync(from));
      else continue;
      setHostTimes(inode, st);
    }
    setHostTimes(dir, statSync(hostDir, { bigint: true }));
  }

  /**
   * Writes a run's `files` ({ "/data/in.txt": ... }) atomically: every path is
   * checked first (inside a preopen, no file where a directory is needed, no
   * directory replaced, within the limits), so a bad entry changes nothing.
   */
  applyFiles(files: Tree): void {
    const planned = new Map<string, 'file' | 'dir'>();
    const kindAt = (p: string) => planned.get(p) ?? (() => {
      const i = this.lookup(p);
      return i ? (i.kind === 'dir' ? 'dir' : i.kind === 'file' ? 'file' : 'symlink') : undefined;
    })();
    const problems: string[] = [];
    let bytes = 0;
    const plan = (path: string, value: Tree[string]) => {
      if (!this.roots.some((r) => path === r || path.startsWith(r === '/' ? '/' : r + '/'))) return problems.push(`files.${path}: not inside a preopened directory (${this.roots.join(', ')})`);
      const parts = path.split('/').filter((p) => p !== '');
      for (let k = 1; k < parts.length; k++) {
        const parent = '/' + parts.slice(0, k).join('/');
        const kind = kindAt(parent);
        if (kind !== undefined && kind !== 'dir') return problems.push(`files.${path}: ${parent} is not a directory`);
        planned.set(parent, 'dir');
      }
      const isFile = typeof value === 'string' || value instanceof Uint8Array;
      const kind = kindAt(path);
      if (isFile) {
        if (kind === 'dir' || kind === 'symlink') return problems.push(`files.${path}: a ${kind === 'dir' ? 'directory' : 'symlink'} is there`);
        bytes += typeof value === 'string' ? Buffer.byteLength(value) : value.length;
        planned.set(path, 'file');
      } else {
        if (kind !== undefined && kind !== 'dir') return problems.push(`files.${path}: a file is there`);
        planned.set(path, 'dir');
        for (const [name, v] of Object.entries(value)) plan(posix.join(path, name), v);
      }
      return undefined;
    };
    for (const [path, value] of Object.entries(files)) {
      if (path.includes('\0') || path.split('/').some((p) => p === '..' || p === '.')) problems.push(`files.${path}: a path must be absolute and normal (no ".", "..", NUL)`);
      else plan(posix.normalize(path), value);
    }
    const { maxBytes, maxEntries } = this.vol.limits;
    if (!problems.length && this.vol.bytes + bytes > maxBytes) problems.push(`files: ${bytes} bytes exceed the volume limit (${maxBytes} bytes)`);
    if (!problems.length && this.vol.entries + planned.size > maxEntries) problems.push(`files: too many entries for the volume limit (${maxEntries})`);
    if (problems.length) throw new InvalidOptionsError('run options', problems);
    for (const [path, value] of Object.entries(files)) {
      const p = posix.normalize(path);
      if (typeof value === 'string' || value instanceof Uint8Array) this.addFile(this.mkdirs(posix.dirname(p)), posix.basename(p), typeof value === 'string' ? Buffer.from(value) : value);
      else this.writeTree(this.mkdirs(p), value);
    }
  }

  /** Timestamps drawn this run (virtual clock; verifyRestore). */
  get ticks(): bigint {
    return this.tick;
  }

  /** Restarts the file system's virtual time; called before every run. */
  beginRun(): void {
    this.tick = 0n;
  }

  /** Records the current volume as the state every reset returns to. */
  snapshot(): void {
    this.vol.commit();
  }

  /** Rolls back what the last run changed (or keeps it, making it the new starting point). */
  reset(keepChanges = false): void {
    if (keepChanges) this.vol.commit();
    else this.vol.rollback();
  }

  /** The entries a reset returns to (for snapshot files; call after a reset). */
  get snapshotContents(): Entry[] {
    const out: Entry[] = [];
    const walk = (i: Inode, path: string) => {
      const ns = { atime: String(i.atime), mtime: String(i.mtime), ctime: String(i.ctime), ino: String(i.ino) };
      const mtime = Number(i.mtime / 1_000_000n);
      if (i.kind === 'symlink') out.push({ path, kind: 'symlink', target: i.target, ns });
      else if (i.kind === 'file') out.push({ path, kind: 'file', data: Buffer.from(i.bytes), mtime, ns });
      else {
        out.push({ path, kind: 'dir', mtime, ns });
        for (const name of [...i.entries.keys()].sort()) walk(i.entries.get(name)!, posix.join(path, name));
      }
    };
    walk(this.vol.root, '/');
    return out;
  }

  /** Replaces the volume's contents (and its snapshot) with saved entries (parents before children). */
  load(entries: Entry[]): void {
    this.vol.clear();
    const byIno = new Map<string, Inode>();
    for (const e of entries) {
      const ino = e.ns?.ino === undefined ? undefined : BigInt(e.ns.ino);
      let inode: Inode | undefined = e.path === '/' ? this.vol.root : e.ns?.ino !== undefined ? byIno.get(e.ns.ino) : undefined;
      if (inode && inode !== this.vol.root) {
        this.vol.addName(); // another path of a hard-linked file
        inode.nlink++;
      }
      else if (!inode) {
        inode = this.vol.alloc(e.kind, ino);
        if (e.kind === 'file') this.vol.write(inode, e.data, 0);
        if (e.kind === 'symlink') {
          inode.target = e.target;
          this.vol.charge(e.target.length);
        }
      }
      if (e.ns?.ino !== undefined) byIno.set(e.ns.ino, inode);
      if (inode !== this.vol.root) {
        const parent = this.lookup(posix.dirname(e.path));
        if (parent?.kind !== 'dir') throw new Error(`saved volume: no directory for ${e.path}`);
        parent.entries.set(posix.basename(e.path), inode);
      }
      if (e.ns) Object.assign(inode, { atime: BigInt(e.ns.atime), mtime: BigInt(e.ns.mtime), ctime: BigInt(e.ns.ctime) });
      else if ('mtime' in e) inode.atime = inode.mtime = inode.ctime = BigInt(e.mtime) * 1_000_000n;
    }
    this.vol.commit();
  }

  /** The volume as a plain tree (files as bytes, symlinks as "-> target"), for comparing runs. */
  toTree(dir = '/'): Tree {
    const toTree = (i: Inode): Tree => {
      const tree: Tree = {};
      for (const name of [...i.entries.keys()].sort()) {
        const c = i.entries.get(name)!;
        tree[name] = c.kind === 'dir' ? toTree(c) : c.kind === 'symlink' ? `-> ${c.target}` : new Uint8Array(c.bytes);
      }
      return tree;
    };
    const at = this.lookup(dir);
    return at?.kind === 'dir' ? toTree(at) : {};
  }
}

function hostDirProblem(hostDir: string): string | undefined {
  try {
    if (!statSync(hostDir).isDirectory()) return `host path ${hostDir} is not a directory`;
    readdirSync(hostDir);
    return undefined;
  } catch (e) {
    const code = (e as { code?: string }).code;
    return code === 'ENOENT' ? `host directory ${hostDir} does not exist` : `host directory ${hostDir} cannot be read (${code ?? (e as Error).message})`;
  }
}

function setHostTimes(i: Inode, st: BigIntStats): void {
  i.atime = st.atimeNs;
  i.mtime = st.mtimeNs;
  i.ctime = st.ctimeNs;
}
