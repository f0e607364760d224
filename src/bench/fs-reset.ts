// File system reset cost: a 20 MB tree of 2,000 files (40 directories of 50
// files of 10 KB), a run that writes one file. Measured twice: the file system
// alone (the write made through wasi:filesystem as the adapter makes it, then
// VirtualFs.reset, the undo journal's rollback) and end to end (resetMs of a
// reused instance running the fs-ops fixture, memory restore included,
// against the same program with an empty tree).
import { createFilesystem } from '../../shims/filesystem.js';
import { createIo } from '../../shims/io.js';
import { VirtualFs, type Tree } from '../../shims/vfs.js';
import { ReusableInstance } from '../instance.js';
import { median } from './stats.js';

export interface FsResetResult {
  files: number;
  bytes: number;
  /** Rollback of the file system after a one-file write (µs). */
  fsResetUs: { p50: number; mean: number };
  /** Whole-instance reset with the tree and with an empty tree (µs, p50). */
  instanceResetUs: { tree: number; empty: number };
}

export function benchTree(dirs = 40, filesPerDir = 50, fileBytes = 10_000): Tree {
  const tree: Tree = {};
  const data = new Uint8Array(fileBytes).fill(97);
  for (let d = 0; d < dirs; d++) {
    const dir: Tree = {};
    for (let f = 0; f < filesPerDir; f++) dir[`f${f}.txt`] = data;
    tree[`d${d}`] = dir;
  }
  return tree;
}

function fsOnly(tree: Tree, repeat: number): { p50: number; mean: number } {
  const fs = new VirtualFs([{ guestPath: '/data', source: { tree } }]);
  const api = createFilesystem(createIo(), fs).interfaces;
  type Dir = { openAt(...a: unknown[]): { write(b: Uint8Array, o: bigint): bigint } };
  const [[root]] = api['wasi:filesystem/preopens'].getDirectories() as unknown as [[Dir]];
  const bytes = new TextEncoder().encode('one run writes this line\n');
  const times: number[] = [];
  for (let i = 0; i < repeat + 100; i++) {
    const file = root.openAt({ symlinkFollow: true }, `d${i % 40}/f${i % 50}.txt`, { create: true }, { read: true, write: true });
    file.write(bytes, 0n);
    const t0 = performance.now();
    fs.reset();
    if (i >= 100) times.push((performance.now() - t0) * 1000);
  }
  return { p50: median(times), mean: times.reduce((a, b) => a + b, 0) / times.length };
}

async function instanceReset(wasm: string, tree: Tree, repeat: number): Promise<number> {
  const inst = await ReusableInstance.create(wasm, { dirs: { '/data': tree }, init: false });
  const times: number[] = [];
  for (let i = 0; i < repeat + 20; i++) {
    inst.runSync({ args: [`write:/data/d${i % 40}/f${i % 50}.txt:one run`] });
    const { resetMs } = inst.reset();
    if (i >= 20) times.push(resetMs * 1000);
  }
  return median(times);
}

export async function measureFsReset(fsOpsWasm: string, scale = 1): Promise<FsResetResult> {
  const tree = benchTree();
  const repeat = Math.max(50, Math.round(2000 * scale));
  return {
    files: 2000,
    bytes: 2000 * 10_000,
    fsResetUs: fsOnly(tree, repeat),
    instanceResetUs: {
      tree: await instanceReset(fsOpsWasm, tree, Math.round(repeat / 4)),
      empty: await instanceReset(fsOpsWasm, {}, Math.round(repeat / 4)),
    },
  };
}
