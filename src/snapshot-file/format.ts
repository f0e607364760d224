// The snapshot file container, version 1:
//   "WREWSNAP" | u32 version | u32 JSON length | JSON | blobs | sha256 of all before it
// The JSON (validated with zod on load) describes the state and points into
// the blobs (memory images, file contents) by offset and length.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { SnapshotFileError } from '../errors.js';

export const FORMAT_VERSION = 1;
const MAGIC = Buffer.from('WREWSNAP');
const HASH = 32;

const blob = z.object({ offset: z.number().int().nonnegative(), length: z.number().int().nonnegative() });
/** Nanosecond timestamps and inode number of a file system entry (decimal strings). */
const decimal = z.string().regex(/^\d+$/);
const nsTimes = z.object({ atime: decimal, mtime: decimal, ctime: decimal, ino: decimal.optional() }).optional();
const encoded: z.ZodType<unknown> = z.lazy(() => z.object({ t: z.string() }).passthrough());

export const snapshotSchema = z.object({
  format: z.literal('wasi-rewind-snapshot'),
  componentHash: z.string(),
  cacheFormat: z.number().int(),
  createdAt: z.string(),
  memories: z.array(z.object({ pages: z.number().int().nonnegative(), image: blob })),
  globals: z.array(z.object({ instance: z.number().int().nonnegative(), name: z.string(), type: z.enum(['number', 'bigint']), value: z.string() })),
  glue: z.record(z.string(), encoded),
  files: z.array(z.union([
    z.object({ path: z.string(), kind: z.literal('dir'), mtime: z.number(), ns: nsTimes }),
    z.object({ path: z.string(), kind: z.literal('file'), mtime: z.number(), data: blob, ns: nsTimes }),
    z.object({ path: z.string(), kind: z.literal('symlink'), target: z.string(), ns: nsTimes }),
  ])),
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

export function encodeFile(json: SnapshotJson, blobs: BlobWriter): Buffer {
  const text = Buffer.from(JSON.stringify(json));
  const head = Buffer.alloc(16);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(FORMAT_VERSION, 8);
  head.writeUInt32LE(text.length, 12);
  const body = Buffer.concat([head, text, blobs.concat()]);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

export interface DecodedFile { json: SnapshotJson; blob(ref: { offset: number; length: number }): Uint8Array }

export function decodeFile(file: Uint8Array): DecodedFile {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (buf.length < 16 + HASH || !buf.subarray(0, 8).equals(MAGIC)) throw new SnapshotFileError('not a wasi-rewind snapshot file');
  const version = buf.readUInt32LE(8);
  if (version !== FORMAT_VERSION) throw new SnapshotFileError(`snapshot file format ${version} is not supported (this version reads ${FORMAT_VERSION})`);
  const body = buf.subarray(0, buf.length - HASH);
  if (!createHash('sha256').update(body).digest().equals(buf.subarray(buf.length - HASH))) {
    throw new SnapshotFileError('snapshot file is corrupt (checksum mismatch)');
  }
  const jsonLength = buf.readUInt32LE(12);
  if (16 + jsonLength > body.length) throw new SnapshotFileError('snapshot file is truncated');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.subarray(16, 16 + jsonLength).toString('utf8'));
  } catch {
    throw new SnapshotFileError('snapshot file has an unreadable header');
  }
  const result = snapshotSchema.safeParse(parsed);
  if (!result.success) throw new SnapshotFileError(`snapshot file header is invalid: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const blobs = body.subarray(16 + jsonLength);
  return {
    json: result.data,
    blob: ({ offset, length }) => {
      if (offset + length > blobs.length) throw new SnapshotFileError('snapshot file is truncated (blob out of range)');
      return blobs.subarray(offset, offset + length);
    },
  };
}
