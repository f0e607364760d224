// wasi:filesystem (types, preopens) over the inode volume (shims/fs). Errors
// are thrown as WASI error-code strings (the glue lowers a thrown non-Error as
// the `err` case). Paths resolve inside the descriptor's directory
// (shims/fs/path.ts). Permissions follow Wasmtime: a directory opened by path
// keeps its parent's (ultimately the preopen's) permissions, whatever flags
// the caller asked for; a file gets the read/write access it asked for.
import type { Io } from './io.js';
import type { Inode } from './fs/inode.js';
import { resolve, type Resolved } from './fs/path.js';
import type { VirtualFs } from './vfs.js';

type Flags = Record<string, boolean | undefined>;
type Datetime = { seconds: bigint; nanoseconds: number };
type Timestamp = { tag: 'no-change' | 'now' | 'timestamp'; val?: Datetime };

const PATH_MAX = 4096;
const TYPE = { file: 'regular-file', dir: 'directory', symlink: 'symbolic-link' } as const;

function datetime(ns: bigint): Datetime {
  return { seconds: ns / 1_000_000_000n, nanoseconds: Number(ns % 1_000_000_000n) };
}

/** Whether `of` is `dir` or below it (a directory cannot move into itself). */
function isAncestor(dir: Inode, of: Inode): boolean {
  if (dir === of) return true;
  for (const child of dir.entries.values()) if (child.kind === 'dir' && isAncestor(child, of)) return true;
  return false;
}

// Classes declared in here have no `private` members: the built package's
// .d.ts cannot express private members of a function's anonymous class types.
export function createFilesystem(io: Io, fs: VirtualFs) {
  const vol = fs.vol;
  const now = () => vol.now();
  const changed = (dir: Inode) => {
    vol.modify(dir);
    dir.mtime = dir.ctime = now();
  };
  /** Stream sinks report file system errors as a failed operation carrying the code. */
  const streamCall = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      if (typeof e === 'string') throw { tag: 'last-operation-failed', val: new io.IoError(e, e) };
      throw e;
    }
  };

  class DirectoryEntryStream {
    index = 0;
    constructor(readonly entries: { type: string; name: string }[]) {}
    readDirectoryEntry(): { type: string; name: string } | undefined {
      return this.entries[this.index++];
    }
  }

  class Descriptor {
    constructor(
      readonly inode: Inode,
      /** Volume path at open time (for snapshot files). */
      readonly path: string,
      readonly flags: Flags,
    ) {}

    get dir(): Inode {
      if (this.inode.kind !== 'dir') throw 'not-directory';
      return this.inode;
    }

    file(access?: 'read' | 'write'): Inode {
      if (this.inode.kind === 'dir') throw 'is-directory';
      if (access && !this.flags[access]) throw 'bad-descriptor';
      return this.inode;
    }

    at(path: string, follow: boolean): Resolved {
      return resolve(this.dir, path, follow);
    }

    /** Resolves for a change to the directory holding the last component. */
    mutating(path: string, follow = false): Resolved & { parent: Inode } {
      if (!this.flags.mutateDirectory) throw 'read-only';
      const r = this.at(path, follow);
      return { ...r, parent: r.chain[r.chain.length - 1]! };
    }

    existing(path: string, follow: boolean): Inode {
      const { inode, slash } = this.at(path, follow);
      if (!inode) throw 'no-entry';
      if (slash && inode.kind !== 'dir') throw 'not-directory';
      return inode;
    }

    readViaStream(offset: bigint) {
      const file = this.file('read');
      let pos = Number(offset);
      return new io.InputStream({
        read: (max) => {
          if (pos >= file.size) return null;
          const bytes = file.data.read(pos, max);
          pos += bytes.length;
          return bytes;
        },
      });
    }

    writeViaStream(offset: bigint) {
      const file = this.file('write');
      let pos = Number(offset);
      return new io.OutputStream({
        write: (bytes) => {
          pos += streamCall(() => vol.write(file, bytes, pos));
        },
      });
    }

    appendViaStream() {
      const file = this.file('write');
      return new io.OutputStream({ write: (bytes) => void streamCall(() => vol.write(file, bytes, file.size)) });
    }

    advise(): void {}
    syncData(): void {}
    sync(): void {}
    getFlags(): Flags {
      return this.flags;
    }
    getType(): string {
      return TYPE[this.inode.kind];
    }
    setSize(size: bigint): void {
      const file = this.file('write');
      if (size > BigInt(Number.MAX_SAFE_INTEGER)) throw 'file-too-large';
      vol.resize(file, Number(size));
      file.mtime = file.ctime = now();
    }
    setTimes(atime: Timestamp, mtime: Timestamp): void {
      setTimes(this.inode, atime, mtime);
    }
    read(length: bigint, offset: bigint): [Uint8Array, boolean] {
      const file = this.file('read');
      const start = Math.min(Number(offset), file.size);
      const bytes = file.data.read(start, Math.min(Number(length), file.size - start));
      return [bytes, start + bytes.length >= file.size && bytes.length < Number(length)];
    }
    /**
     * read() without the copy in between, for the native preview1 host: up
     * to `max` bytes at `offset` go into the view `dest` gives for the n
     * bytes the file has there; returns n.
     */
    readInto(offset: bigint, max: number, dest: (n: number) => Uint8Array): number {
      const file = this.file('read');
      const start = Math.min(Number(offset), file.size);
      const n = Math.min(max, file.size - start);
      file.data.readInto(start, dest(n));
      return n;
    }
    write(buffer: Uint8Array, offset: bigint): bigint {
      const file = this.file('write');
      if (offset + BigInt(buffer.length) > BigInt(Number.MAX_SAFE_INTEGER)) throw 'file-too-large';
      return BigInt(vol.write(file, buffer, Number(offset)));
    }
    readDirectory(): DirectoryEntryStream {
      const dir = this.dir;
      if (!this.flags.read) throw 'bad-descriptor';
      return new DirectoryEntryStream([...dir.entries.keys()].sort().map((name) => ({ type: TYPE[dir.entries.get(name)!.kind], name })));
    }
    createDirectoryAt(path: string): void {
      const { parent, name, inode } = this.mutating(path);
      if (inode) throw 'exist';
      const dir = vol.alloc('dir');
      vol.modify(parent).entries.set(name, dir);
      changed(parent);
    }
    stat() {
      return describe(this.inode);
    }
    statAt(pathFlags: Flags, path: string) {
      return describe(this.existing(path, !!pathFlags.symlinkFollow));
    }
    setTimesAt(pathFlags: Flags, path: string, atime: Timestamp, mtime: Timestamp): void {
      setTimes(this.existing(path, !!pathFlags.symlinkFollow), atime, mtime);
    }
    linkAt(oldFlags: Flags, oldPath: string, newDescriptor: Descriptor, newPath: string): void {
      if (oldFlags.symlinkFollow) throw 'invalid';
      const from = this.at(oldPath, false);
      const to = newDescriptor.mutating(newPath);
      if (!from.inode) throw 'no-entry';
      if (from.inode.kind === 'dir') throw 'not-permitted';
      if (from.slash) throw 'not-directory';
      if (to.inode) throw 'exist';
      if (to.slash) throw 'no-entry';
      if (!this.flags.mutateDirectory) throw 'read-only';
      vol.addName();
      vol.modify(from.inode).nlink++;
      from.inode.ctime = now();
      vol.modify(to.parent).entries.set(to.name, from.inode);
      changed(to.parent);
    }
    openAt(pathFlags: Flags, path: string, openFlags: Flags, flags: Flags): Descriptor {
      if ((openFlags.create || openFlags.truncate) && !this.flags.mutateDirectory) throw 'read-only';
      if (flags.write && !this.flags.mutateDirectory) throw 'read-only';
      if (openFlags.directory && (openFlags.create || openFlags.truncate)) throw 'invalid';
      const follow = !!pathFlags.symlinkFollow;
      const r = this.at(path, follow && !openFlags.exclusive);
      let inode = r.inode;
      if (!inode) {
        if (!openFlags.create) throw 'no-entry';
        if (r.slash) throw 'is-directory';
        const parent = r.chain[r.chain.length - 1]!;
        inode = vol.alloc('file');
        vol.modify(parent).entries.set(r.name, inode);
        changed(parent);
      } else if (openFlags.create && openFlags.exclusive) throw 'exist';
      if (inode.kind === 'symlink') throw 'loop';
      if (inode.kind === 'dir') {
        if (flags.write || openFlags.truncate) throw 'is-directory';
        return new Descriptor(inode, joinPath(this.path, path), { read: true, mutateDirectory: this.flags.mutateDirectory });
      }
      if (openFlags.directory || r.slash) throw 'not-directory';
      if (openFlags.truncate) {
        if (!flags.write) throw 'invalid';
        vol.resize(inode, 0);
        inode.mtime = inode.ctime = now();
      }
      const { read, write, fileIntegritySync, dataIntegritySync, requestedWriteSync } = flags;
      return new Descriptor(inode, joinPath(this.path, path), { read, write, fileIntegritySync, dataIntegritySync, requestedWriteSync });
    }
    readlinkAt(path: string): string {
      const { inode, slash } = this.at(path, false);
      if (!inode) throw 'no-entry';
      if (inode.kind !== 'symlink' || slash) throw slash && inode.kind !== 'dir' ? 'not-directory' : 'invalid';
      return inode.target;
    }
    removeDirectoryAt(path: string): void {
      const { parent, name, inode } = this.mutating(path);
      if (!inode) throw 'no-entry';
      if (name === '') throw inode === this.inode ? 'invalid' : 'not-empty';
      if (inode.kind !== 'dir') throw 'not-directory';
      if (inode.entries.size) throw 'not-empty';
      vol.modify(parent).entries.delete(name);
      changed(parent);
      vol.unlinked(inode);
    }
    renameAt(oldPath: string, newDescriptor: Descriptor, newPath: string): void {
      const from = this.mutating(oldPath);
      const to = newDescriptor.mutating(newPath);
      const src = from.inode;
      if (!src) throw 'no-entry';
      if (from.name === '' || to.name === '') throw 'busy';
      if ((from.slash || to.slash) && src.kind !== 'dir') throw 'not-directory';
      const dst = to.inode;
      if (dst === src) return;
      if (dst) {
        if (src.kind === 'dir' && dst.kind !== 'dir') throw 'not-directory';
        if (src.kind !== 'dir' && dst.kind === 'dir') throw 'is-directory';
        if (dst.kind === 'dir' && dst.entries.size) throw 'not-empty';
      }
      if (src.kind === 'dir' && isAncestor(src, to.parent)) throw 'invalid';
      vol.modify(from.parent).entries.delete(from.name);
      vol.modify(to.parent).entries.set(to.name, src);
      changed(from.parent);
      changed(to.parent);
      vol.modify(src).ctime = now();
      if (dst) vol.unlinked(dst);
    }
    symlinkAt(oldPath: string, newPath: string): void {
      const { parent, name, inode, slash } = this.mutating(newPath);
      if (oldPath.includes('\0')) throw 'invalid';
      if (inode) throw 'exist';
      if (slash) throw 'no-entry';
      if (oldPath === '') throw 'no-entry';
      if (oldPath.startsWith('/')) throw 'not-permitted';
      if (Buffer.byteLength(oldPath) > PATH_MAX) throw 'name-too-long';
      vol.charge(oldPath.length);
      const link = vol.alloc('symlink');
      link.target = oldPath;
      vol.modify(parent).entries.set(name, link);
      changed(parent);
    }
    unlinkFileAt(path: string): void {
      const { parent, name, inode, slash } = this.mutating(path);
      if (!inode) throw 'no-entry';
      if (inode.kind === 'dir') throw 'is-directory';
      if (slash) throw 'not-directory';
      vol.modify(parent).entries.delete(name);
      changed(parent);
      vol.unlinked(inode);
    }
    isSameObject(other: Descriptor): boolean {
      return this.inode === other.inode;
    }
    metadataHash() {
      return hash(this.inode);
    }
    metadataHashAt(pathFlags: Flags, path: string) {
      return hash(this.existing(path, !!pathFlags.symlinkFollow));
    }
  }

  function describe(i: Inode) {
    return {
      type: TYPE[i.kind],
      linkCount: BigInt(i.kind === 'dir' ? 1 : i.nlink),
      size: BigInt(i.statSize),
      dataAccessTimestamp: datetime(i.atime),
      dataModificationTimestamp: datetime(i.mtime),
      statusChangeTimestamp: datetime(i.ctime),
    };
  }

  /** Identity, not contents (as Wasmtime's hash of device and inode): the adapter reports `lower` as the inode number. */
  function hash(i: Inode) {
    return { upper: 0n, lower: i.ino };
  }

  function setTimes(i: Inode, atime: Timestamp, mtime: Timestamp): void {
    const pick = (t: Timestamp, current: bigint, at: bigint) =>
      t.tag === 'no-change' ? current : t.tag === 'now' ? at : t.val!.seconds * 1_000_000_000n + BigInt(t.val!.nanoseconds);
    const at = now();
    vol.modify(i);
    i.atime = pick(atime, i.atime, at);
    i.mtime = pick(mtime, i.mtime, at);
    i.ctime = at;
  }

  const preopenFlags: Flags = { read: true, mutateDirectory: true };
  /**
   * Descriptors are described by volume path and flags, so the glue state
   * holding them can be saved: a descriptor the init opened stays in the
   * snapshot (and in snapshot files) instead of being dropped from the
   * glue's handle table. A file unlinked since it was opened cannot be described.
   */
  const codec = {
    describe: (obj: unknown) => (obj instanceof Descriptor && fs.lookup(obj.path) === obj.inode ? { path: obj.path, root: obj.path, flags: obj.flags } : undefined),
    revive: (d: { path: string; root: string; flags: Flags }) => {
      const inode = fs.lookup(d.path);
      if (!inode || inode.kind === 'symlink') throw new Error(`no file or directory ${d.path} in the file system`);
      return new Descriptor(inode, d.path, d.flags);
    },
  };
  return {
    codec,
    interfaces: {
      'wasi:filesystem/types': {
        Descriptor,
        DirectoryEntryStream,
        filesystemErrorCode: (err: { code?: string }) => err?.code,
      },
      'wasi:filesystem/preopens': {
        getDirectories: () => fs.roots.map((root) => [new Descriptor(fs.lookup(root)!, root, preopenFlags), root]),
      },
    },
  };
}

function joinPath(dir: string, path: string): string {
  const parts = dir.split('/').filter((p) => p !== '');
  for (const p of path.split('/')) {
    if (p === '..') parts.pop();
    else if (p !== '' && p !== '.') parts.push(p);
  }
  return '/' + parts.join('/');
}
