// File-system entries a run created, changed or removed, by comparing the
// volume with a fingerprint taken right after instantiation (the state a
// reset rolls back to).
import { createHash } from 'node:crypto';
import type { VirtualFs, Tree } from '../../shims/vfs.js';

export interface FsDelta { created: string[]; changed: string[]; removed: string[] }

export type FsPrint = Map<string, string>;

export function fingerprint(fs: VirtualFs): FsPrint {
  const out: FsPrint = new Map();
  const walk = (tree: Tree, at: string) => {
    for (const [name, v] of Object.entries(tree)) {
      const path = `${at}/${name}`;
      if (typeof v === 'string') out.set(path, v);
      else if (v instanceof Uint8Array) out.set(path, `file ${createHash('sha1').update(v).digest('hex')}`);
      else {
        out.set(path, 'dir');
        walk(v, path);
      }
    }
  };
  walk(fs.toTree(), '');
  return out;
}

export function fsDelta(before: FsPrint, after: FsPrint): FsDelta {
  const d: FsDelta = { created: [], changed: [], removed: [] };
  for (const [path, v] of after) {
    const was = before.get(path);
    if (was === undefined) d.created.push(path);
    else if (was !== v) d.changed.push(path);
  }
  for (const path of before.keys()) if (!after.has(path)) d.removed.push(path);
  return d;
}
