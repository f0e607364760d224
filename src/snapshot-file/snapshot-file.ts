// Saving an instance's snapshot (after instantiation and any init) to a file,
// and starting a new instance, in another process, from such a file without
// running the init again: memory images, the modules' globals, the glue's
// bindings and the virtual file system.
import { SnapshotFileError } from '../errors.js';
import type { CoreLinker } from '../core/linker.js';
import type { GlueBindings } from '../glue/patch.js';
import type { WasiHost } from '../../shims/host.js';
import type { Entry } from '../../shims/vfs.js';
import { applyGlue, encodeGlue, type Encoded } from './glue-codec.js';
import { BlobWriter, decodeFile, encodeFile, type SnapshotJson } from './format.js';

export interface LiveParts {
  componentHash: string;
  cacheFormat: number;
  linker: CoreLinker;
  bindings: GlueBindings;
  host: WasiHost;
}

/** Encodes the instance's current state, which must be its snapshot state (reset first). */
export function encodeSnapshot(p: LiveParts): Buffer {
  if (p.linker.instances.some((i) => i.info.mutatesTables)) {
    throw new SnapshotFileError('this component writes to tables at run time; table contents (function references) cannot be saved');
  }
  const blobs = new BlobWriter();
  const json: SnapshotJson = {
    format: 'wasi-rewind-snapshot',
    componentHash: p.componentHash,
    cacheFormat: p.cacheFormat,
    createdAt: new Date().toISOString(),
    memories: p.linker.memories.map((m) => ({ pages: m.vpages.value as number, image: blobs.add(m.snapshotImage) })),
    globals: p.linker.instances.flatMap(({ info, exports }, instance) => info.globals.map((name) => {
      const value = (exports[name] as WebAssembly.Global).value as number | bigint;
      return { instance, name, type: typeof value === 'bigint' ? 'bigint' as const : 'number' as const, value: String(value) };
    })),
    glue: encodeGlue(p.bindings, p.host) as Record<string, unknown>,
    files: p.host.fs.snapshotContents.map((e) => (e.kind === 'file' ? { ...e, data: blobs.add(e.data) } : e)),
  };
  return encodeFile(json, blobs);
}

/** Puts a snapshot file's state into a freshly instantiated component. */
export function applySnapshot(p: LiveParts, file: Uint8Array): void {
  const { json, blob } = decodeFile(file);
  if (json.componentHash !== p.componentHash) throw new SnapshotFileError('snapshot file was made from a different component');
  if (json.cacheFormat !== p.cacheFormat) throw new SnapshotFileError('snapshot file was made by another version of wasi-rewind');
  if (json.memories.length !== p.linker.memories.length) throw new SnapshotFileError('snapshot file does not match the component (memories)');
  json.memories.forEach((m, i) => p.linker.memories[i]!.loadImage(m.pages, blob(m.image)));
  for (const g of json.globals) {
    const global = p.linker.instances[g.instance]?.exports[g.name] as WebAssembly.Global | undefined;
    if (!global) throw new SnapshotFileError(`snapshot file names global ${g.name} of instance ${g.instance}, which does not exist`);
    global.value = g.type === 'bigint' ? BigInt(g.value) : Number(g.value);
  }
  p.host.fs.load(json.files.map((e): Entry => (e.kind === 'file' ? { ...e, data: Buffer.from(blob(e.data)) } : e)));
  applyGlue(p.bindings, json.glue as Record<string, Encoded>, p.host);
}
