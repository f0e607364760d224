// The inode store: allocation with deterministic inode numbers, quotas, and
// an undo journal. `commit()` makes the current state the one every
// `rollback()` returns to; between the two, the first change to an inode that
// existed at the commit saves its fields (a directory's entry map, a file's
// contents by reference, copied before the first write), so a rollback costs
// what the run changed, not the size of the volume. Inode numbers come from a
// counter the rollback rewinds, so a reused run sees a fresh instance's.
import { Inode, restore, save, type Kind, type SavedInode } from './inode.js';

export interface Limits {
  /** Sum of file sizes and symlink target lengths. */
  maxBytes: number;
  /** Directory entries: files, directories, symlinks and hard links. */
  maxEntries: number;
  maxFileBytes: number;
}

export const DEFAULT_LIMITS: Limits = { maxBytes: 256 << 20, maxEntries: 100_000, maxFileBytes: 64 << 20 };

interface Mark { nextIno: bigint; bytes: number; entries: number }

export class Volume {
  readonly root: Inode;
  private nextIno = 1n;
  /** Current usage, counted against the limits. */
  bytes = 0;
  entries = 0;
  private mark: Mark = { nextIno: 1n, bytes: 0, entries: 0 };
  private readonly journal = new Map<Inode, SavedInode>();

  constructor(readonly limits: Limits, readonly now: () => bigint) {
    this.root = this.alloc('dir');
  }

  /** Counters a rollback rewinds, and the undo entries not yet rolled back (verifyRestore). */
  get usage(): { nextIno: bigint; bytes: number; entries: number; journal: number } {
    return { nextIno: this.nextIno, bytes: this.bytes, entries: this.entries, journal: this.journal.size };
  }

  get changed(): boolean {
    return this.journal.size > 0 || this.nextIno !== this.mark.nextIno;
  }

  /** Counts one more directory entry against maxEntries. */
  addName(): void {
    if (this.entries + 1 > this.limits.maxEntries) throw 'insufficient-space';
    this.entries++;
  }

  /** A new inode, for one new directory entry. */
  alloc(kind: Kind, ino?: bigint): Inode {
    this.addName();
    if (ino === undefined) return new Inode(this.nextIno++, kind, this.now());
    // A saved inode number (snapshot files): later ones continue after the largest.
    if (ino >= this.nextIno) this.nextIno = ino + 1n;
    return new Inode(ino, kind, this.now());
  }

  /** Call before changing any field of `i`. */
  modify(i: Inode): Inode {
    if (i.ino < this.mark.nextIno && !this.journal.has(i)) {
      this.journal.set(i, save(i));
      if (i.kind === 'file') i.data = i.data.clone();
    }
    return i;
  }

  /** Drops one directory entry of `i`; its bytes stop counting with its last link. */
  unlinked(i: Inode): void {
    this.modify(i).nlink--;
    i.ctime = this.now();
    this.entries--;
    if (i.nlink <= 0) this.bytes -= i.kind === 'file' ? i.size : i.kind === 'symlink' ? i.target.length : 0;
  }

  /** Counts `n` more bytes (a symlink's target) against maxBytes. */
  charge(n: number): void {
    if (this.bytes + n > this.limits.maxBytes) throw 'insufficient-space';
    this.bytes += n;
  }

  /** Sets a file's size, zero-filling growth, within the quotas. */
  resize(i: Inode, size: number): void {
    this.reserve(i, size);
    this.modify(i);
    this.bytes += size - i.size;
    i.data.truncate(size);
  }

  private reserve(i: Inode, size: number): void {
    if (size > this.limits.maxFileBytes) throw 'file-too-large';
    if (size > i.size && this.bytes + (size - i.size) > this.limits.maxBytes) throw 'insufficient-space';
  }

  /** Writes into a file at `offset`; returns the bytes written. */
  write(i: Inode, bytes: Uint8Array, offset: number): number {
    const end = offset + bytes.length;
    this.reserve(i, end);
    this.modify(i);
    if (end > i.size) this.bytes += end - i.size;
    i.data.write(bytes, offset);
    i.mtime = i.ctime = this.now();
    return bytes.length;
  }

  /** Empties the volume (only the root stays), for loading saved contents. */
  clear(): void {
    this.journal.clear();
    this.root.entries = new Map();
    this.nextIno = this.root.ino + 1n;
    this.bytes = 0;
    this.entries = 1;
  }

  /** Makes the current state the one rollback() returns to. */
  commit(): void {
    this.journal.clear();
    this.mark = { nextIno: this.nextIno, bytes: this.bytes, entries: this.entries };
  }

  /** Undoes every change since the last commit. */
  rollback(): void {
    if (this.journal.size !== 0) {
      for (const [i, s] of this.journal) restore(i, s);
      this.journal.clear();
    }
    this.nextIno = this.mark.nextIno;
    this.bytes = this.mark.bytes;
    this.entries = this.mark.entries;
  }
}
