// Path resolution confined to a directory (capability style, like cap-std in
// Wasmtime): a path is walked component by component from the descriptor's
// directory; an absolute path, a `..` above that directory, or a symlink
// whose target does either, is `not-permitted`. Nothing is changed while
// resolving, so a failed operation has no effect.
import type { Inode } from './inode.js';

const MAX_SYMLINKS = 40;
const NAME_MAX = 255;

/** Where a path leads: the directory chain walked (base first) and the final inode, if any. */
export interface Resolved {
  /** Directories from the base to the parent of the last component. */
  chain: Inode[];
  /** The last component ('' when the path names the base itself or ends in '.' or '..'). */
  name: string;
  /** The inode named (undefined: the last component does not exist). */
  inode: Inode | undefined;
  /** The path ended with '/': the result must be a directory. */
  slash: boolean;
}

export function checkPath(path: string): void {
  if (path.includes('\0')) throw 'invalid';
  if (path === '') throw 'no-entry';
  if (path.startsWith('/')) throw 'not-permitted';
}

/**
 * Resolves `path` from `base`. Symlinks in the middle are always followed;
 * the last component's only if `follow`.
 */
export function resolve(base: Inode, path: string, follow: boolean): Resolved {
  checkPath(path);
  const chain: Inode[] = [base];
  let parts = path.split('/');
  let slash = false;
  let links = 0;
  for (;;) {
    // Skip empty and '.' parts, apply '..'; stop at the last real component.
    let k = 0;
    let last: string | undefined;
    for (; k < parts.length; k++) {
      const p = parts[k]!;
      if (p.length > NAME_MAX) throw 'name-too-long';
      const rest = parts.slice(k + 1).some((q) => q !== '' && q !== '.');
      if (p === '' || p === '.') continue;
      if (p === '..') {
        if (chain.length === 1) throw 'not-permitted';
        chain.pop();
        continue;
      }
      const dir = chain[chain.length - 1]!;
      if (dir.kind !== 'dir') throw 'not-directory';
      const child = dir.entries.get(p);
      if (!rest) {
        last = p;
        slash = slash || k < parts.length - 1;
        break;
      }
      if (!child) throw 'no-entry';
      if (child.kind === 'symlink') {
        if (++links > MAX_SYMLINKS) throw 'loop';
        if (child.target.startsWith('/')) throw 'not-permitted';
        parts = [...child.target.split('/'), ...parts.slice(k + 1)];
        k = -1;
        continue;
      }
      chain.push(child);
    }
    if (last === undefined) {
      // The path names a directory on the chain itself ("", ".", "a/..").
      const self = chain[chain.length - 1]!;
      if (self.kind !== 'dir') throw 'not-directory';
      return { chain: chain.length > 1 ? chain.slice(0, -1) : chain, name: '', inode: self, slash: true };
    }
    const dir = chain[chain.length - 1]!;
    const inode = dir.entries.get(last);
    if (inode?.kind === 'symlink' && (follow || slash)) {
      if (++links > MAX_SYMLINKS) throw 'loop';
      if (inode.target.startsWith('/')) throw 'not-permitted';
      parts = [...inode.target.split('/'), ...(slash ? [''] : [])];
      continue;
    }
    return { chain, name: last, inode, slash };
  }
}
