// Saving an instance's snapshot (after instantiation and any init) to a file,
// and starting a new instance, in another process, from such a file without
// running the init again: memory images, the modules' globals, the glue's
// bindings and the virtual file system.
import { open } from 'node:fs/promises';
import { RewindError, SnapshotFileError } from '../errors.js';
import type { CoreLinker } from '../core/linker.js';
import { globalCell } from '../core/global-cell.js';
import { PAGE } from '../rewrite/info.js';
import type { GlueBindings } from '../glue/patch.js';
import type { WasiHost } from '../../shims/host.js';
import type { Entry } from '../../shims/vfs.js';
import { applyGlue, encodeGlue, type Encoded } from './glue-codec.js';
import type { Codec } from './codec.js';
import { BlobWriter, decodeFile, encodeFile, type LoadLimits, type SnapshotJson, type SnapshotKey } from './format.js';

export interface LiveParts {
  componentHash: string;
  cacheFormat: number;
  linker: CoreLinker;
  bindings: GlueBindings;
  host: WasiHost;
}

/** Encodes the instance's current state, which must be its snapshot state (reset first). */
export function encodeSnapshot(p: LiveParts, key?: SnapshotKey, codec: Codec = 'none'): Buffer {
  if (p.linker.instances.some((i) => i.info.mutatesTables)) {
    throw new SnapshotFileError('this component writes to tables at run time; table contents (function references) cannot be saved');
  }
  const blobs = new BlobWriter();
  const json: Omit<SnapshotJson, 'compression' | 'blobBytes'> = {
    format: 'wasi-rewind-snapshot',
    componentHash: p.componentHash,
    cacheFormat: p.cacheFormat,
    createdAt: new Date().toISOString(),
    memories: p.linker.memories.map((m) => {
      const image = m.sharedImage;
      return { pages: image.pages, runs: image.runs(), data: blobs.add(image.data) };
    }),
    globals: p.linker.instances.flatMap(({ info, exports }, instance) => info.globals.map((g) => {
      if (g.type === 'ref') throw new SnapshotFileError(`global ${g.name} of instance ${instance} holds a reference, which a snapshot file cannot carry`);
      const value = globalCell(exports, g).get() as number | bigint;
      return typeof value === 'bigint'
        ? { instance, name: g.name, type: 'bigint' as const, value: String(value) }
        : { instance, name: g.name, type: 'number' as const, value: Object.is(value, -0) ? '-0' : String(value) };
    })),
    glue: encodeGlue(p.bindings, p.host) as SnapshotJson['glue'],
    files: p.host.fs.snapshotContents.map((e) => (e.kind === 'file' ? { ...e, data: blobs.add(e.data) } : e)),
  };
  return encodeFile(json, blobs, key, codec);
}

/** Reads a snapshot file, refusing one larger than the loading instance could need before reading it. */
export async function readSnapshotFile(path: string, limits: LoadLimits): Promise<Uint8Array> {
  // Four memories at their limit plus 1 GiB of files: far above real snapshots.
  const maxBytes = limits.maxPages * 65536 * 4 + (1 << 30);
  let handle;
  try {
    handle = await open(path, 'r');
    const { size } = await handle.stat();
    if (size > maxBytes) throw new SnapshotFileError(`snapshot file ${path} is ${size} bytes, more than this instance could load (${maxBytes})`);
    return new Uint8Array(await handle.readFile());
  } catch (e) {
    if (e instanceof SnapshotFileError) throw e;
    throw new SnapshotFileError(`cannot read snapshot file ${path}: ${(e as Error).message}`, { cause: e });
  } finally {
    await handle?.close();
  }
}

/** Puts a snapshot file's state into a freshly instantiated component. */
export function applySnapshot(p: LiveParts, file: Uint8Array, limits: LoadLimits, key?: SnapshotKey): void {
  const { json, blob } = decodeFile(file, limits, key);
  if (json.componentHash !== p.componentHash) throw new SnapshotFileError('snapshot file was made from a different component');
  if (json.cacheFormat !== p.cacheFormat) throw new SnapshotFileError('snapshot file was made by another version of wasi-rewind');
  if (json.memories.length !== p.linker.memories.length) throw new SnapshotFileError('snapshot file does not match the component (memories)');
  // Everything checked against the instance before anything is written into it.
  json.memories.forEach((m, i) => {
    const memory = p.linker.memories[i]!;
    const limit = memory.limit.value as number;
    if (m.pages > limit) throw new SnapshotFileError(`snapshot file memory ${i} has ${m.pages} pages, more than it may grow to (${limit})`);
    // A memory never has fewer pages than its instantiation gave it.
    const initial = memory.memory!.buffer.byteLength / PAGE;
    if (m.pages < initial) throw new SnapshotFileError(`snapshot file memory ${i} has ${m.pages} pages, fewer than the memory starts with (${initial})`);
  });
  const globals = json.globals.map((g) => {
    const linked = p.linker.instances[g.instance];
    const info = linked?.info.globals.find((x) => x.name === g.name);
    if (!linked || !info) throw new SnapshotFileError(`snapshot file names global ${g.name} of instance ${g.instance}, which does not exist`);
    const cell = globalCell(linked.exports, info);
    const value = g.type === 'bigint' ? BigInt(g.value) : Number(g.value);
    if (!cell.accepts(value)) throw new SnapshotFileError(`snapshot file gives global ${g.name} a value of the wrong type or out of range`);
    return { cell, value };
  });
  const roots = new Set(p.host.fs.roots);
  try {
    json.memories.forEach((m, i) => p.linker.memories[i]!.loadChunks(m.pages, m.runs, blob(m.data)));
    for (const { cell, value } of globals) cell.set(value);
    p.host.fs.load(json.files.map((e): Entry => (e.kind === 'file' ? { ...e, data: Buffer.from(blob(e.data)) } : e)));
    applyGlue(p.bindings, json.glue as Record<string, Encoded>, {
      describe: (obj) => p.host.describe(obj),
      revive: (d) => {
        const inside = (path: string) => [...roots].some((r) => path === r || path.startsWith(`${r === '/' ? '' : r}/`));
        if (d.kind === 'directory' && !(inside(d.path) && inside(d.root))) {
          throw new SnapshotFileError(`snapshot file holds a directory ${d.path} outside this instance's preopens`);
        }
        return p.host.revive(d);
      },
    });
  } catch (e) {
    if (e instanceof SnapshotFileError) throw e;
    // The instance is discarded by the caller; report the file, typed.
    throw new SnapshotFileError(`snapshot file cannot be applied: ${e instanceof RewindError ? e.message : (e as Error)?.message ?? String(e)}`, { cause: e });
  }
}
