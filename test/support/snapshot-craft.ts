// Rewrites the JSON header of a snapshot file and reseals it (sha256, or an
// HMAC with `key`), so tests can hand the loader crafted but well-sealed files.
import { createHash, createHmac } from 'node:crypto';

export function craft(good: Buffer, change: (json: any) => void, key?: string): Buffer {
  const jsonLength = good.readUInt32LE(16);
  const json = JSON.parse(good.subarray(20, 20 + jsonLength).toString());
  change(json);
  // DEEP stands for 20,000 nested values (too deep for JSON.stringify's stack).
  const text = Buffer.from(JSON.stringify(json).replace('"DEEP"', `${'{"t":"global","v":'.repeat(20_000)}{"t":"undefined"}${'}'.repeat(20_000)}`));
  const head = Buffer.from(good.subarray(0, 20));
  head.writeUInt32LE(key ? 1 : 0, 12);
  head.writeUInt32LE(text.length, 16);
  const body = Buffer.concat([head, text, good.subarray(20 + jsonLength, good.length - 32)]);
  const tag = key ? createHmac('sha256', key).update(body).digest() : createHash('sha256').update(body).digest();
  return Buffer.concat([body, tag]);
}
