// The snapshot file container, version 3:
//   "WREWSNAP" | u32 version | u32 flags | u32 JSON length | JSON | blobs | tag
// The tag covers everything before it: SHA-256 (flags 0: detects corruption
// only, anyone can recompute it) or HMAC-SHA256 with the caller's key
// (flags 1: authenticates the file). The JSON describes the state and points
// into the blobs (memory images, file contents) by offset and length; the
// blobs may be compressed as a whole (JSON `compression`, `blobBytes` their
// size once decompressed). A memory image is sparse: the runs of 4 KiB chunks
// that are not all zero, back to back in one blob. Version 2 stored whole
// images and is refused with a message saying so.
//
// Every field is validated here, against fixed limits and the loading
// instance's limits, before anything is allocated from it; what fails is a
// SnapshotFileError, never another exception.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { posix } from 'node:path';
import { z } from 'zod';
import { SnapshotFileError } from '../errors.js';
import { CHUNK, CHUNKS_PER_PAGE, PAGE } from '../rewrite/info.js';
import { CODECS, compress, decompress, type Codec } from './codec.js';

export const FORMAT_VERSION = 3;
const MAGIC = Buffer.from('WREWSNAP');
/** wasi:filesystem descriptor-flags, as the glue lowers them. */
const DESCRIPTOR_FLAGS = ['read', 'write', 'fileIntegritySync', 'dataIntegritySync', 'requestedWriteSync', 'mutateDirectory'] as const;
const HEAD = 20;
const TAG = 32;
const FLAG_HMAC = 1;

/** Fixed bounds on what a file may describe (far above what real instances save). */
export const LIMITS = {
  jsonBytes: 256 << 20,
  depth: 64,
  nodes: 4_000_000,
  memories: 16,
  globals: 100_000,
  files: 1_000_000,
  pathBytes: 4096,
  stringBytes: 1 << 20,
  /** File contents a snapshot may carry (the blobs beyond memory images). */
  fileBytes: 1 << 30,
} as const;

export type SnapshotKey = string | Uint8Array;

const blob = z.object({ offset: z.number().int().nonnegative(), length: z.number().int().nonnegative() }).strict();
const path = z.string().max(LIMITS.pathBytes).refine((p) => p.startsWith('/') && !p.includes('\0') && posix.normalize(p) === p, 'not an absolute, normalized path');
const str = z.string().max(LIMITS.stringBytes);
/** Keys assigned into glue objects: `__proto__` would set a prototype instead. */
const key = str.refine((k) => k !== '__proto__', 'reserved key');

export const hostObjectSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('stdio'), name: z.enum(['stdin', 'stdout', 'stderr']) }).strict(),
  z.object({
    kind: z.literal('directory'),
    path,
    root: path,
    flags: z.object(Object.fromEntries(DESCRIPTOR_FLAGS.map((f) => [f, z.boolean().optional()]))).strict(),
  }).strict(),
]);

export type EncodedSchema =
  | { t: 'undefined' }
  | { t: 'value'; v: string | number | boolean | null }
  | { t: 'bigint'; v: string }
  | { t: 'host'; d: z.infer<typeof hostObjectSchema> }
  | { t: 'map'; v: [EncodedSchema, EncodedSchema][] }
  | { t: 'set'; v: EncodedSchema[] }
  | { t: 'array'; v: EncodedSchema[]; props: Record<string, EncodedSchema> }
  | { t: 'object'; v: Record<string, EncodedSchema> }
  | { t: 'global'; v: EncodedSchema };

// Recursion is safe: nesting depth is checked (iteratively) before zod runs.
const encoded: z.ZodType<EncodedSchema> = z.lazy(() => z.discriminatedUnion('t', [
  z.object({ t: z.literal('undefined') }).strict(),
  z.object({ t: z.literal('value'), v: z.union([str, z.number().finite(), z.boolean(), z.null()]) }).strict(),
  z.object({ t: z.literal('bigint'), v: z.string().regex(/^-?\d{1,40}$/) }).strict(),
  z.object({ t: z.literal('host'), d: hostObjectSchema }).strict(),
  z.object({ t: z.literal('map'), v: z.array(z.tuple([encoded, encoded])) }).strict(),
  z.object({ t: z.literal('set'), v: z.array(encoded) }).strict(),
  z.object({ t: z.literal('array'), v: z.array(encoded), props: z.record(key, encoded) }).strict(),
  z.object({ t: z.literal('object'), v: z.record(key, encoded) }).strict(),
  z.object({ t: z.literal('global'), v: encoded }).strict(),
]));

const NUMBER = /^(-?(\d+(\.\d+)?([eE][+-]?\d+)?|Infinity)|NaN)$/;
/** Nanosecond timestamps and inode number of a file system entry (decimal strings). */
const decimal = z.string().regex(/^\d{1,40}$/);
const nsTimes = z.object({ atime: decimal, mtime: decimal, ctime: decimal, ino: decimal.optional() }).strict().optional();

export const snapshotSchema = z.object({
  format: z.literal('wasi-rewind-snapshot'),
  componentHash: z.string().max(128),
  cacheFormat: z.number().int(),
  createdAt: z.string().max(64),
  compression: z.enum(CODECS),
  blobBytes: z.number().int().nonnegative(),
  memories: z.array(z.object({
    pages: z.number().int().nonnegative().max(65536),
    /** [first chunk, count] of each run of stored chunks, ascending. */
    runs: z.array(z.tuple([z.number().int().nonnegative(), z.number().int().positive()])).max(65536 * CHUNKS_PER_PAGE / 2),
    data: blob,
  }).strict()).max(LIMITS.memories),
  globals: z.array(z.discriminatedUnion('type', [
    z.object({ instance: z.number().int().nonnegative(), name: z.string().max(256), type: z.literal('number'), value: z.string().regex(NUMBER) }).strict(),
    z.object({ instance: z.number().int().nonnegative(), name: z.string().max(256), type: z.literal('bigint'), value: z.string().regex(/^-?\d{1,39}$/) }).strict(),
  ])).max(LIMITS.globals),
  glue: z.record(z.string().max(256), encoded),
  files: z.array(z.discriminatedUnion('kind', [
    z.object({ path, kind: z.literal('dir'), mtime: z.number().finite(), ns: nsTimes }).strict(),
    z.object({ path, kind: z.literal('file'), mtime: z.number().finite(), data: blob, ns: nsTimes }).strict(),
    z.object({ path, kind: z.literal('symlink'), target: z.string().min(1).max(LIMITS.pathBytes).refine((t) => !t.includes('\0')), ns: nsTimes }).strict(),
  ])).max(LIMITS.files),
}).strict();
export type SnapshotJson = z.infer<typeof snapshotSchema>;

/** Collects blobs while the JSON is built. */
export class BlobWriter {
  private parts: Uint8Array[] = [];
  private size = 0;
  add(bytes: Uint8Array): { offset: number; length: number } {
    this.parts.push(bytes);
    this.size += bytes.length;
    return { offset: this.size - bytes.length, length: bytes.length };
  }
  concat(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function tag(body: Uint8Array, key: SnapshotKey | undefined): Buffer {
  return key === undefined ? createHash('sha256').update(body).digest() : createHmac('sha256', key).update(body).digest();
}

/** `json` without the fields the container fills in. */
export function encodeFile(json: Omit<SnapshotJson, 'compression' | 'blobBytes'>, blobs: BlobWriter, key?: SnapshotKey, codec: Codec = 'none'): Buffer {
  const data = blobs.concat();
  const text = Buffer.from(JSON.stringify({ ...json, compression: codec, blobBytes: data.length }));
  const head = Buffer.alloc(HEAD);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(FORMAT_VERSION, 8);
  head.writeUInt32LE(key === undefined ? 0 : FLAG_HMAC, 12);
  head.writeUInt32LE(text.length, 16);
  const body = Buffer.concat([head, text, compress(codec, data)]);
  return Buffer.concat([body, tag(body, key)]);
}

/** Bounds from the loading instance. */
export interface LoadLimits {
  /** Most guest pages one memory may have (maxMemoryMiB * 16, or 65536). */
  maxPages: number;
}

/** Rejects JSON nested deeper or larger than LIMITS, without recursion. */
function checkShape(value: unknown): void {
  const stack: [unknown, number][] = [[value, 0]];
  let nodes = 0;
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (++nodes > LIMITS.nodes) throw new SnapshotFileError(`snapshot file header has more than ${LIMITS.nodes} values`);
    if (depth > LIMITS.depth) throw new SnapshotFileError(`snapshot file header is nested deeper than ${LIMITS.depth} levels`);
    if (v !== null && typeof v === 'object') for (const x of Object.values(v)) stack.push([x, depth + 1]);
  }
}

export interface DecodedFile { json: SnapshotJson; blob(ref: { offset: number; length: number }): Uint8Array }

export function decodeFile(file: Uint8Array, limits: LoadLimits, key?: SnapshotKey): DecodedFile {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (buf.length < 12 || !buf.subarray(0, 8).equals(MAGIC)) throw new SnapshotFileError('not a wasi-rewind snapshot file');
  const version = buf.readUInt32LE(8);
  if (version === 2) throw new SnapshotFileError('snapshot file format 2 (whole memory images) is not read by this version, which reads format 3: save the snapshot again');
  if (version !== FORMAT_VERSION) throw new SnapshotFileError(`snapshot file format ${version} is not supported (this version reads ${FORMAT_VERSION})`);
  if (buf.length < HEAD + TAG) throw new SnapshotFileError('snapshot file is truncated');
  const flags = buf.readUInt32LE(12);
  if (flags & ~FLAG_HMAC) throw new SnapshotFileError(`snapshot file has unknown flags ${flags}`);
  const body = buf.subarray(0, buf.length - TAG);
  const keyed = (flags & FLAG_HMAC) !== 0;
  if (key !== undefined && !keyed) throw new SnapshotFileError('snapshot file is not authenticated, and a snapshot key was given: refusing it');
  if (key === undefined && keyed) throw new SnapshotFileError('snapshot file is authenticated with a key: pass the snapshot key to load it');
  if (!timingSafeEqual(tag(body, key), buf.subarray(buf.length - TAG))) {
    throw new SnapshotFileError(keyed ? 'snapshot file failed authentication (wrong key, or the file was altered)' : 'snapshot file is corrupt (checksum mismatch)');
  }
  const jsonLength = buf.readUInt32LE(16);
  if (jsonLength > LIMITS.jsonBytes) throw new SnapshotFileError(`snapshot file header is larger than ${LIMITS.jsonBytes} bytes`);
  if (HEAD + jsonLength > body.length) throw new SnapshotFileError('snapshot file is truncated');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.subarray(HEAD, HEAD + jsonLength).toString('utf8'));
  } catch {
    throw new SnapshotFileError('snapshot file has an unreadable header');
  }
  checkShape(parsed);
  const result = snapshotSchema.safeParse(parsed);
  if (!result.success) {
    const issues = result.error.issues.slice(0, 5).map((i) => `${i.path.slice(0, 8).join('.')}: ${i.message}`);
    throw new SnapshotFileError(`snapshot file header is invalid: ${issues.join('; ')}`);
  }
  const json = result.data;
  // Everything the blobs must hold is checked against limits before they are decompressed.
  let memoryBytes = 0;
  const inRange = ({ offset, length }: { offset: number; length: number }) => offset + length <= json.blobBytes;
  for (const [i, m] of json.memories.entries()) {
    if (m.pages > limits.maxPages) throw new SnapshotFileError(`snapshot file memory ${i} has ${m.pages} pages, more than this instance's limit of ${limits.maxPages}`);
    let next = 0;
    let stored = 0;
    for (const [first, count] of m.runs) {
      if (first < next) throw new SnapshotFileError(`snapshot file memory ${i} has overlapping or unordered chunk runs`);
      next = first + count;
      stored += count;
    }
    if (next > m.pages * CHUNKS_PER_PAGE) throw new SnapshotFileError(`snapshot file memory ${i} has an image larger than its ${m.pages} pages`);
    if (m.data.length !== stored * CHUNK) throw new SnapshotFileError(`snapshot file memory ${i} has ${m.data.length} bytes of chunks, its runs need ${stored * CHUNK}`);
    if (!inRange(m.data)) throw new SnapshotFileError('snapshot file is truncated (blob out of range)');
    memoryBytes += m.pages * PAGE;
  }
  for (const f of json.files) if (f.kind === 'file' && !inRange(f.data)) throw new SnapshotFileError('snapshot file is truncated (blob out of range)');
  if (json.blobBytes > memoryBytes + LIMITS.fileBytes) {
    throw new SnapshotFileError(`snapshot file declares ${json.blobBytes} bytes of data, more than its memories and the file limit allow`);
  }
  const blobs = decompress(json.compression, body.subarray(HEAD + jsonLength), json.blobBytes);
  return { json, blob: ({ offset, length }) => blobs.subarray(offset, offset + length) };
}
