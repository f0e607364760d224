// One cache entry (a directory of files) with its integrity manifest: the
// SHA-256 of every file, recorded when the entry is written and checked when
// it is read. Files are read once, checked, and used from those very bytes
// (glue is imported from memory, not from its path), so nothing changed on
// disk between the check and the use can run. An entry that fails the check
// is removed, so the caller rebuilds it.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { z } from 'zod';

const MANIFEST = 'manifest.json';
const manifestSchema = z.object({ files: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)) }).strict();

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).filter((p) => p !== MANIFEST).sort();
}

/** Records the hash of every file in `dir` (call before the entry is moved into place). */
export async function sealEntry(dir: string): Promise<void> {
  const files: Record<string, string> = {};
  for (const path of await listFiles(dir)) files[path] = sha256(await readFile(join(dir, path)));
  await writeFile(join(dir, MANIFEST), JSON.stringify({ files }, null, 1));
}

export type EntryStatus = { files: Map<string, Buffer<ArrayBuffer>> } | { missing: true } | { tampered: string };

/** Reads and checks every file of an entry; a tampered entry is removed. */
export async function readEntry(dir: string): Promise<EntryStatus> {
  let manifest: z.infer<typeof manifestSchema>;
  try {
    manifest = manifestSchema.parse(JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')));
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') {
      await rm(dir, { recursive: true, force: true }); // a partial or older entry without a manifest
      return { missing: true };
    }
    return removed(dir, 'unreadable manifest');
  }
  const files = new Map<string, Buffer<ArrayBuffer>>();
  const listed = Object.keys(manifest.files).sort();
  const present = await listFiles(dir).catch(() => []);
  if (listed.join('\n') !== present.join('\n')) return removed(dir, 'files added or removed');
  for (const path of listed) {
    const bytes = await readFile(join(dir, path)).catch(() => null);
    if (!bytes || sha256(bytes) !== manifest.files[path]) return removed(dir, `${path} does not match its recorded hash`);
    files.set(path, bytes);
  }
  return { files };
}

async function removed(dir: string, reason: string): Promise<EntryStatus> {
  process.emitWarning(`cache entry ${dir} failed its integrity check (${reason}); rebuilding it`, { code: 'WASI_REWIND_CACHE_TAMPERED' });
  await rm(dir, { recursive: true, force: true });
  return { tampered: reason };
}

/** Imports an ES module from checked bytes (no path on disk involved). */
export function importFromBytes<T>(source: Uint8Array): Promise<T> {
  return import(`data:text/javascript;base64,${Buffer.from(source).toString('base64')}`) as Promise<T>;
}

/**
 * The checked files of the entry at `dir`, built first (into a temporary
 * directory, sealed, then moved into place) when it is missing or failed
 * its check.
 */
export async function cachedEntry(dir: string, build: (tmp: string) => Promise<void>): Promise<Map<string, Buffer<ArrayBuffer>>> {
  let entry = await readEntry(dir);
  if (!('files' in entry)) {
    const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
    await build(tmp);
    await sealEntry(tmp);
    await mkdir(dirname(dir), { recursive: true, mode: 0o700 });
    try {
      await rename(tmp, dir);
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      if (!existsSync(join(dir, MANIFEST))) throw e; // else another process won the race
    }
    entry = await readEntry(dir);
    if (!('files' in entry)) throw new Error(`cache entry ${dir} cannot be written and read back`);
  }
  return entry.files;
}
