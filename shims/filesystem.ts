// wasi:filesystem (types, preopens) over the VirtualFs. Errors are thrown as
// WASI error-code strings (the glue lowers a thrown non-Error as the `err`
// case). Paths are resolved lexically inside the descriptor's preopen: an
// absolute path or one that climbs out of the preopen is `not-permitted`.
import { posix } from 'node:path';
import type { Io } from './io.js';
import type { VirtualFs } from './vfs.js';

type Flags = Record<string, boolean | undefined>;
type Timestamp = { tag: 'no-change' | 'now' | 'timestamp'; val?: { seconds: bigint; nanoseconds: number } };

const ERRNO: Record<string, string> = {
  ENOENT: 'no-entry', EEXIST: 'exist', ENOTDIR: 'not-directory', EISDIR: 'is-directory',
  ENOTEMPTY: 'not-empty', EACCES: 'access', EPERM: 'not-permitted', EBADF: 'bad-descriptor',
  EINVAL: 'invalid', ELOOP: 'loop', ENAMETOOLONG: 'name-too-long', EXDEV: 'cross-device',
  EMFILE: 'insufficient-memory', ENOSPC: 'insufficient-space', EBUSY: 'busy',
};

/** Runs a memfs call, turning Node-style errors into WASI error codes. */
function fsCall<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (typeof e === 'string') throw e;
    throw (code && ERRNO[code]) ?? 'io';
  }
}

function typeOf(st: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): string {
  if (st.isFile()) return 'regular-file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symbolic-link';
  return 'unknown';
}

function datetime(ms: number) {
  const ns = BigInt(Math.round(ms * 1e6));
  return { seconds: ns / 1_000_000_000n, nanoseconds: Number(ns % 1_000_000_000n) };
}

// Classes declared in here have no `private` members: the built package's
// .d.ts cannot express private members of a function's anonymous class types.
export function createFilesystem(io: Io, fs: VirtualFs) {
  const vol = fs.vol;

  class DirectoryEntryStream {
    index = 0;
    constructor(readonly entries: { type: string; name: string }[]) {}
    readDirectoryEntry(): { type: string; name: string } | undefined {
      return this.entries[this.index++];
    }
  }

  class Descriptor {
    fd: number | null = null;
    constructor(readonly path: string, readonly root: string, readonly flags: Flags, readonly isDir: boolean) {
      if (!isDir) this.fd = fs.trackFd(fsCall(() => vol.openSync(path, flags.write ? 'r+' : 'r')));
    }

    resolve(path: string): string {
      if (!this.isDir) throw 'not-directory';
      if (path.startsWith('/')) throw 'not-permitted';
      const full = posix.join(this.path, path);
      if (full !== this.root && !full.startsWith(this.root === '/' ? '/' : this.root + '/')) throw 'not-permitted';
      return full;
    }

    file(): number {
      if (this.fd === null) throw 'is-directory';
      return this.fd;
    }

    mutate<T>(fn: () => T): T {
      if (!this.flags.mutateDirectory && this.isDir) throw 'read-only';
      fs.dirty = true;
      return fsCall(fn);
    }

    readViaStream(offset: bigint) {
      const fd = this.file();
      let pos = Number(offset);
      return new io.InputStream({
        read: (max) => {
          const buf = Buffer.alloc(max);
          const n = fsCall(() => vol.readSync(fd, buf, 0, max, pos));
          if (n === 0) return null;
          pos += n;
          return buf.subarray(0, n);
        },
      });
    }

    writeViaStream(offset: bigint) {
      const fd = this.file();
      if (!this.flags.write) throw 'bad-descriptor';
      let pos = Number(offset);
      return new io.OutputStream({
        write: (bytes) => {
          fs.dirty = true;
          pos += fsCall(() => vol.writeSync(fd, bytes, 0, bytes.length, pos));
        },
      });
    }

    appendViaStream() {
      const fd = this.file();
      if (!this.flags.write) throw 'bad-descriptor';
      return new io.OutputStream({
        write: (bytes) => {
          fs.dirty = true;
          const size = fsCall(() => vol.fstatSync(fd).size as number);
          fsCall(() => vol.writeSync(fd, bytes, 0, bytes.length, size));
        },
      });
    }

    advise(): void {}
    syncData(): void {}
    sync(): void {}
    getFlags(): Flags {
      return this.flags;
    }
    getType(): string {
      return this.isDir ? 'directory' : 'regular-file';
    }
    setSize(size: bigint): void {
      const fd = this.file();
      fs.dirty = true;
      fsCall(() => vol.ftruncateSync(fd, Number(size)));
    }
    setTimes(atime: Timestamp, mtime: Timestamp): void {
      setTimesAt(this.path, atime, mtime);
    }
    read(length: bigint, offset: bigint): [Uint8Array, boolean] {
      const fd = this.file();
      const buf = Buffer.alloc(Number(length));
      const n = fsCall(() => vol.readSync(fd, buf, 0, buf.length, Number(offset)));
      return [buf.subarray(0, n), n < buf.length];
    }
    write(buffer: Uint8Array, offset: bigint): bigint {
      const fd = this.file();
      if (!this.flags.write) throw 'bad-descriptor';
      fs.dirty = true;
      return BigInt(fsCall(() => vol.writeSync(fd, buffer, 0, buffer.length, Number(offset))));
    }
    readDirectory(): DirectoryEntryStream {
      if (!this.isDir) throw 'not-directory';
      const entries = fsCall(() => vol.readdirSync(this.path, { withFileTypes: true }) as unknown as { name: string; isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }[]);
      return new DirectoryEntryStream(entries.map((d) => ({ type: typeOf(d), name: String(d.name) })).sort((a, b) => (a.name < b.name ? -1 : 1)));
    }
    createDirectoryAt(path: string): void {
      const p = this.resolve(path);
      this.mutate(() => vol.mkdirSync(p));
    }
    stat() {
      return describe(this.path, true);
    }
    statAt(pathFlags: Flags, path: string) {
      return describe(this.resolve(path), !!pathFlags.symlinkFollow);
    }
    setTimesAt(_pathFlags: Flags, path: string, atime: Timestamp, mtime: Timestamp): void {
      setTimesAt(this.resolve(path), atime, mtime);
    }
    linkAt(_oldFlags: Flags, oldPath: string, newDescriptor: Descriptor, newPath: string): void {
      const from = this.resolve(oldPath);
      const to = newDescriptor.resolve(newPath);
      this.mutate(() => vol.linkSync(from, to));
    }
    openAt(pathFlags: Flags, path: string, openFlags: Flags, flags: Flags): Descriptor {
      const p = this.resolve(path);
      const exists = vol.existsSync(p);
      if (openFlags.create) {
        if (exists && openFlags.exclusive) throw 'exist';
        if (!exists) this.mutate(() => vol.writeFileSync(p, ''));
      } else if (!exists) {
        if (!pathFlags.symlinkFollow && fsCall(() => vol.lstatSync(p, { throwIfNoEntry: false }))) throw 'loop';
        throw 'no-entry';
      }
      const st = fsCall(() => (pathFlags.symlinkFollow ? vol.statSync(p) : vol.lstatSync(p)));
      if (st.isSymbolicLink()) throw 'loop';
      const real = fsCall(() => String(vol.realpathSync(p)));
      if (real !== this.root && !real.startsWith(this.root === '/' ? '/' : this.root + '/')) throw 'not-permitted';
      if (st.isDirectory()) {
        if (flags.write) throw 'is-directory';
        return new Descriptor(real, this.root, flags, true);
      }
      if (openFlags.directory) throw 'not-directory';
      if (openFlags.truncate) {
        if (!flags.write) throw 'invalid';
        fs.dirty = true;
        fsCall(() => vol.truncateSync(real, 0));
      }
      return new Descriptor(real, this.root, flags, false);
    }
    readlinkAt(path: string): string {
      const p = this.resolve(path);
      return fsCall(() => String(vol.readlinkSync(p)));
    }
    removeDirectoryAt(path: string): void {
      const p = this.resolve(path);
      this.mutate(() => vol.rmdirSync(p));
    }
    renameAt(oldPath: string, newDescriptor: Descriptor, newPath: string): void {
      const from = this.resolve(oldPath);
      const to = newDescriptor.resolve(newPath);
      this.mutate(() => vol.renameSync(from, to));
    }
    symlinkAt(oldPath: string, newPath: string): void {
      if (oldPath.startsWith('/')) throw 'not-permitted';
      const to = this.resolve(newPath);
      this.mutate(() => vol.symlinkSync(oldPath, to));
    }
    unlinkFileAt(path: string): void {
      const p = this.resolve(path);
      const st = fsCall(() => vol.lstatSync(p));
      if (st.isDirectory()) throw 'is-directory';
      this.mutate(() => vol.unlinkSync(p));
    }
    isSameObject(other: Descriptor): boolean {
      return describe(this.path, true).ino === describe(other.path, true).ino;
    }
    metadataHash() {
      return hash(this.path, true);
    }
    metadataHashAt(pathFlags: Flags, path: string) {
      return hash(this.resolve(path), !!pathFlags.symlinkFollow);
    }
    [Symbol.dispose](): void {
      if (this.fd !== null) fs.closeFd(this.fd);
      this.fd = null;
    }
  }

  function describe(path: string, follow: boolean) {
    const st = fsCall(() => (follow ? vol.statSync(path) : vol.lstatSync(path)));
    return {
      type: typeOf(st),
      linkCount: BigInt(st.nlink as number),
      size: BigInt(st.size as number),
      dataAccessTimestamp: datetime(Number(st.atimeMs)),
      dataModificationTimestamp: datetime(Number(st.mtimeMs)),
      statusChangeTimestamp: datetime(Number(st.ctimeMs)),
      ino: Number(st.ino),
    };
  }

  function hash(path: string, follow: boolean) {
    const d = describe(path, follow);
    return { upper: BigInt(d.ino), lower: d.dataModificationTimestamp.seconds ^ d.size };
  }

  function setTimesAt(path: string, atime: Timestamp, mtime: Timestamp): void {
    const st = fsCall(() => vol.statSync(path));
    const pick = (t: Timestamp, current: number) =>
      t.tag === 'no-change' ? current / 1000 : t.tag === 'now' ? Date.now() / 1000 : Number(t.val!.seconds) + t.val!.nanoseconds / 1e9;
    fs.dirty = true;
    fsCall(() => vol.utimesSync(path, pick(atime, Number(st.atimeMs)), pick(mtime, Number(st.mtimeMs))));
  }

  const allFlags: Flags = { read: true, write: true, mutateDirectory: true };
  /** Directory descriptors are plain paths, so snapshot files can carry them. */
  const codec = {
    describe: (obj: unknown) => (obj instanceof Descriptor && obj.isDir ? { path: obj.path, root: obj.root, flags: obj.flags } : undefined),
    revive: (d: { path: string; root: string; flags: Flags }) => new Descriptor(d.path, d.root, d.flags, true),
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
      getDirectories: () => fs.roots.map((root) => [new Descriptor(root, root, allFlags, true), root]),
    },
    },
  };
}
