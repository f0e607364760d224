// What `verifyRestore` checks of the WASI host: a fingerprint of every piece
// of host state a run can observe, taken when the instance is snapshotted and
// compared after each rewind, so a reset that skips something (a journal
// entry not undone, a counter not rewound) is reported instead of leaking
// into the next run.
// Two kinds of parts. Parts checked at `reset` (the file system) must equal
// the snapshot as soon as the host is reset. Per-run parts (clocks, random,
// stdio positions, the preview1 descriptor table) are set up when a run
// begins, from that run's input: their reference is the start of the first
// run after the snapshot (exactly a fresh instance's start), and each later
// run start is compared with it once a verify() has armed the check.
import { createHash } from 'node:crypto';
import { RestoreError } from '../src/errors.js';
import type { Inode } from './fs/inode.js';
import type { VirtualFs } from './vfs.js';

/** One part's state as key -> description (compared key by key, so a mismatch names what differs). */
export type Fingerprint = Map<string, string>;

/** `reset`: checked right after the host's reset; any other name: a run-start group (see runStarted). */
interface Part { name: string; when: string; read: () => Fingerprint; reference: Fingerprint | null; armed: boolean }

/** How many differing keys one error names. */
const SHOWN = 5;

export class HostState {
  private readonly parts: Part[] = [];
  private marked = false;
  /** Every reference is taken and nothing is armed: a run start has nothing to do (most run starts). */
  private settled = false;

  /** Registers a piece of host state; `when` is 'reset' or the run-start group that sets it up. */
  add(name: string, when: string, read: () => Fingerprint): void {
    this.parts.push({ name, when, read, reference: null, armed: false });
    this.settled = false;
  }

  /** Takes the reference (at snapshot time): reset parts now, run-start parts at the next run start. */
  mark(): void {
    this.marked = true;
    this.settled = false;
    for (const p of this.parts) {
      p.reference = p.when === 'reset' ? p.read() : null;
      p.armed = false;
    }
  }

  /** After a reset: reset parts must equal the reference; the next run start is checked too. */
  verify(): void {
    if (!this.marked) return;
    for (const p of this.parts) {
      if (p.when === 'reset') compare(p, 'after restore');
      else p.armed = true;
    }
    this.settled = false;
  }

  /** Called once the run-start group `when` has set up its state for a run. */
  runStarted(when: string): void {
    if (!this.marked || this.settled) return;
    for (const p of this.parts) {
      if (p.when !== when) continue;
      if (!p.reference) p.reference = p.read();
      else if (p.armed) {
        p.armed = false;
        compare(p, 'at the start of a run after restore');
      }
    }
    this.settled = this.parts.every((p) => p.reference && !p.armed);
  }
}

function compare(p: Part, moment: string): void {
  const now = p.read();
  const ref = p.reference!;
  const diffs: string[] = [];
  for (const key of new Set([...ref.keys(), ...now.keys()])) {
    const a = ref.get(key);
    const b = now.get(key);
    if (a === b) continue;
    diffs.push(a === undefined ? `${key}: not in the snapshot (now ${b})` : b === undefined ? `${key}: missing (snapshot ${a})` : `${key}: ${b}, the snapshot has ${a}`);
  }
  if (!diffs.length) return;
  const more = diffs.length > SHOWN ? ` (and ${diffs.length - SHOWN} more)` : '';
  throw new RestoreError(`host ${p.name} differs from the snapshot ${moment}: ${diffs.slice(0, SHOWN).join('; ')}${more}`);
}

/** A fingerprint from named values. */
export function fields(values: Record<string, unknown>): Fingerprint {
  return new Map(Object.entries(values).map(([k, v]) => [k, String(v)]));
}

/**
 * The volume as the guest can observe it: every path with its inode number,
 * kind, link count, times, size and contents (SHA-256) or target, plus the
 * volume's counters (next inode number, quota usage) and the undo journal,
 * which must be empty once reset.
 */
export function fsFingerprint(fs: VirtualFs): Fingerprint {
  const out: Fingerprint = new Map();
  const walk = (i: Inode, path: string) => {
    const content = i.kind === 'file' ? `sha256=${createHash('sha256').update(i.bytes).digest('hex')}` : i.kind === 'symlink' ? `-> ${i.target}` : `[${[...i.entries.keys()].sort().join(',')}]`;
    out.set(path, `${i.kind} ino=${i.ino} nlink=${i.nlink} size=${i.size} atime=${i.atime} mtime=${i.mtime} ctime=${i.ctime} ${content}`);
    if (i.kind === 'dir') for (const [name, child] of i.entries) walk(child, path === '/' ? `/${name}` : `${path}/${name}`);
  };
  walk(fs.vol.root, '/');
  for (const [k, v] of Object.entries(fs.vol.usage)) out.set(`(volume ${k})`, String(v));
  return out;
}
