// The virtual file system behind wasi:filesystem: one memfs volume per host,
// populated from in-memory trees and copies of host directories. Guest paths
// are volume paths. A snapshot of the whole volume is taken after setup; a
// reset puts it back when a run changed anything (unless changes are kept).
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { Volume } from 'memfs';

/** A file tree: string/bytes are files, nested objects are directories. */
export type Tree = { [name: string]: string | Uint8Array | Tree };
export type MountSource = { hostDir: string } | { tree: Tree };
export interface Mount { guestPath: string; source: MountSource }

export type Entry =
  | { path: string; kind: 'dir'; mtime: number }
  | { path: string; kind: 'file'; data: Buffer; mtime: number }
  | { path: string; kind: 'symlink'; target: string };

export class VirtualFs {
  readonly vol = new Volume();
  readonly roots: string[];
  /** Set by every mutating operation since the last reset. */
  dirty = false;
  private snapshotEntries: Entry[] = [];
  private readonly openFds = new Set<number>();

  constructor(mounts: Mount[]) {
    this.roots = mounts.map((m) => posix.normalize(m.guestPath));
    for (const m of mounts) {
      const root = posix.normalize(m.guestPath);
      this.vol.mkdirSync(root, { recursive: true });
      if ('hostDir' in m.source) this.copyHostDir(m.source.hostDir, root);
      else this.writeTree(root, m.source.tree);
    }
    this.snapshot();
  }

  writeTree(at: string, tree: Tree): void {
    for (const [name, value] of Object.entries(tree)) {
      const path = posix.join(at, name);
      if (typeof value === 'string' || value instanceof Uint8Array) {
        this.vol.mkdirSync(posix.dirname(path), { recursive: true });
        this.vol.writeFileSync(path, value);
      } else {
        this.vol.mkdirSync(path, { recursive: true });
        this.writeTree(path, value);
      }
    }
  }

  private copyHostDir(hostDir: string, at: string): void {
    for (const d of readdirSync(hostDir, { withFileTypes: true })) {
      const from = join(hostDir, d.name);
      const to = posix.join(at, d.name);
      if (d.isDirectory()) {
        this.vol.mkdirSync(to, { recursive: true });
        this.copyHostDir(from, to);
      } else if (d.isSymbolicLink()) {
        this.vol.symlinkSync(readlinkSync(from), to);
      } else if (d.isFile()) {
        this.vol.writeFileSync(to, readFileSync(from));
        const { atime, mtime } = statSync(from);
        this.vol.utimesSync(to, atime, mtime);
      }
    }
  }

  trackFd(fd: number): number {
    this.openFds.add(fd);
    return fd;
  }

  closeFd(fd: number): void {
    if (this.openFds.delete(fd)) this.vol.closeSync(fd);
  }

  /** Records the current volume as the state every reset returns to. */
  snapshot(): void {
    this.snapshotEntries = this.list('/');
    this.dirty = false;
  }

  /** The entries a reset returns to (for snapshot files). */
  get snapshotContents(): readonly Entry[] {
    return this.snapshotEntries;
  }

  /** Replaces the volume (and its snapshot) with saved entries. */
  load(entries: Entry[]): void {
    this.snapshotEntries = entries;
    this.dirty = true;
    this.reset();
  }

  /** Closes descriptors left open by a run and, if the run changed the volume, restores it. */
  reset(keepChanges = false): void {
    for (const fd of this.openFds) this.vol.closeSync(fd);
    this.openFds.clear();
    if (!this.dirty || keepChanges) return;
    this.vol.reset();
    for (const e of this.snapshotEntries) {
      if (e.kind === 'dir') this.vol.mkdirSync(e.path, { recursive: true });
      else if (e.kind === 'file') this.vol.writeFileSync(e.path, e.data);
      else this.vol.symlinkSync(e.target, e.path);
    }
    for (const e of [...this.snapshotEntries].reverse()) if (e.kind !== 'symlink') this.vol.utimesSync(e.path, e.mtime / 1000, e.mtime / 1000);
    this.dirty = false;
  }

  /** Every entry under `dir`, parents before children. */
  list(dir: string): Entry[] {
    const out: Entry[] = [];
    const walk = (path: string) => {
      const st = this.vol.lstatSync(path);
      if (st.isSymbolicLink()) out.push({ path, kind: 'symlink', target: String(this.vol.readlinkSync(path)) });
      else if (st.isDirectory()) {
        out.push({ path, kind: 'dir', mtime: Number(st.mtimeMs) });
        for (const name of (this.vol.readdirSync(path) as string[]).sort()) walk(posix.join(path, name));
      } else out.push({ path, kind: 'file', data: Buffer.from(this.vol.readFileSync(path) as Buffer), mtime: Number(st.mtimeMs) });
    };
    walk(dir);
    return out;
  }

  /** The volume as a plain tree (files as bytes), for comparing runs. */
  toTree(dir = '/'): Tree {
    const tree: Tree = {};
    for (const name of (this.vol.readdirSync(dir) as string[]).sort()) {
      const path = posix.join(dir, name);
      const st = this.vol.lstatSync(path);
      if (st.isDirectory()) tree[name] = this.toTree(path);
      else if (st.isSymbolicLink()) tree[name] = `-> ${String(this.vol.readlinkSync(path))}`;
      else tree[name] = new Uint8Array(this.vol.readFileSync(path) as Buffer);
    }
    return tree;
  }
}
