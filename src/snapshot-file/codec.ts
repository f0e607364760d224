// Optional compression of a snapshot file's blobs with a codec built into
// Node's zlib. Decompression is bounded by the blob size the (validated,
// authenticated or checksummed) header declares: a file that inflates past
// it is refused once that many bytes are out, never after.
import * as zlib from 'node:zlib';
import { z } from 'zod';
import { SnapshotFileError } from '../errors.js';

export const CODECS = ['none', 'gzip', 'brotli', 'zstd'] as const;
export type Codec = (typeof CODECS)[number];

/** zstd is in Node's zlib from 22.15 / 23.8 on. */
export const zstdAvailable = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';

export const saveSnapshotOptionsSchema = z.object({
  /** Compression of the memory images and files in the snapshot file (the header stays readable). */
  compression: z.enum(CODECS).default('none')
    .refine((c) => c !== 'zstd' || zstdAvailable, 'zstd needs Node 22.15 or later'),
}).strict();
export type SaveSnapshotOptions = z.input<typeof saveSnapshotOptionsSchema>;

export function compress(codec: Codec, bytes: Buffer): Buffer {
  switch (codec) {
    case 'none': return bytes;
    case 'gzip': return zlib.gzipSync(bytes, { level: 6 });
    // Quality 5: most of brotli's ratio on memory images at a fraction of the default's (11) time.
    case 'brotli': return zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } });
    case 'zstd': return zlib.zstdCompressSync(bytes);
  }
}

/** Decompresses to exactly `size` bytes, or throws SnapshotFileError (more output than that is never produced). */
export function decompress(codec: Codec, bytes: Uint8Array, size: number): Uint8Array {
  if (codec === 'none') {
    if (bytes.length !== size) throw new SnapshotFileError(`snapshot file has ${bytes.length} bytes of data, its header says ${size}`);
    return bytes;
  }
  if (codec === 'zstd' && !zstdAvailable) throw new SnapshotFileError('snapshot file is compressed with zstd, which this Node version lacks (22.15 or later has it)');
  // maxOutputLength must be at least 1; one byte more than allowed tells "too large" from "exact".
  const options = { maxOutputLength: size + 1 };
  let out: Buffer;
  try {
    out = codec === 'gzip' ? zlib.gunzipSync(bytes, options)
      : codec === 'brotli' ? zlib.brotliDecompressSync(bytes, options)
      : zlib.zstdDecompressSync(bytes, options);
  } catch (e) {
    const tooLarge = (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
    throw new SnapshotFileError(tooLarge ? `snapshot file data decompresses to more than the ${size} bytes its header declares` : `snapshot file data cannot be decompressed (${codec}): ${(e as Error).message}`, { cause: e });
  }
  if (out.length !== size) throw new SnapshotFileError(`snapshot file data decompresses to ${out.length > size ? 'more' : 'fewer'} than the ${size} bytes its header declares`);
  return out;
}
