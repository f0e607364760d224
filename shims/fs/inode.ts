// An inode of the virtual file system. Timestamps are nanoseconds (bigint),
// so times a guest sets come back exactly, as on a Linux host.
import { FileData } from './data.js';

export type Kind = 'file' | 'dir' | 'symlink';

export class Inode {
  nlink = 1;
  /** File contents. */
  data = new FileData();
  /** Directory entries (never "." or ".."). */
  entries = new Map<string, Inode>();
  /** Symlink target, as written. */
  target = '';
  atime: bigint;
  mtime: bigint;
  ctime: bigint;

  constructor(readonly ino: bigint, readonly kind: Kind, now: bigint) {
    this.atime = this.mtime = this.ctime = now;
  }

  get size(): number {
    return this.data.size;
  }

  /** The whole contents (a copy). */
  get bytes(): Uint8Array {
    return this.data.read(0, this.data.size);
  }

  /** The logical size a stat reports. */
  get statSize(): number {
    return this.kind === 'symlink' ? Buffer.byteLength(this.target) : this.kind === 'dir' ? 4096 : this.size;
  }
}

/** The fields of an inode a journal saves before its first change in a run. */
export interface SavedInode {
  nlink: number;
  data: FileData;
  entries: Map<string, Inode> | null;
  target: string;
  atime: bigint;
  mtime: bigint;
  ctime: bigint;
}

export function save(i: Inode): SavedInode {
  return {
    nlink: i.nlink, data: i.data, entries: i.kind === 'dir' ? new Map(i.entries) : null,
    target: i.target, atime: i.atime, mtime: i.mtime, ctime: i.ctime,
  };
}

export function restore(i: Inode, s: SavedInode): void {
  i.nlink = s.nlink;
  i.data = s.data;
  if (s.entries) i.entries = s.entries;
  i.target = s.target;
  i.atime = s.atime;
  i.mtime = s.mtime;
  i.ctime = s.ctime;
}
