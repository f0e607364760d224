// Where prepared components are cached: a per-user directory
// ($WASI_REWIND_CACHE, else $XDG_CACHE_HOME/wasi-rewind, else
// ~/.cache/wasi-rewind), never a shared one such as the OS temp dir, where
// another local user could plant files that the next process would load.
// The directory is created mode 0700; an existing one must be a real
// directory owned by this user and not group- or world-writable. If it is not,
// wasi-rewind warns and falls back to a private directory for this process.
import { lstatSync, mkdirSync, mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RewindError } from '../errors.js';

/** The cache directory is unsafe to load code from; `reason` says why. */
export class CacheDirError extends RewindError {
  constructor(readonly dir: string, reason: string) {
    super('CACHE_UNSAFE', `cache directory ${dir} ${reason}`);
  }
}

export function configuredCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WASI_REWIND_CACHE) return resolve(env.WASI_REWIND_CACHE);
  if (env.XDG_CACHE_HOME) return resolve(env.XDG_CACHE_HOME, 'wasi-rewind');
  return join(homedir(), '.cache', 'wasi-rewind');
}

/** Creates `dir` (0700) if needed and checks that only this user can write to it; throws CacheDirError. */
export function checkCacheDir(dir: string): string {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new CacheDirError(dir, `cannot be created: ${(e as Error).message}`);
  }
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new CacheDirError(dir, 'is not a directory (symbolic links are refused)');
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw new CacheDirError(dir, `is owned by user ${st.uid}, not by this user (${uid})`);
  if (st.mode & 0o022) throw new CacheDirError(dir, `is writable by group or others (mode ${(st.mode & 0o777).toString(8)})`);
  return dir;
}

let resolved: { key: string; dir: string } | undefined;

/** The checked cache directory for this process (re-resolved when the environment changes). */
export function cacheDir(): string {
  const wanted = configuredCacheDir();
  if (resolved?.key === wanted) return resolved.dir;
  let dir: string;
  try {
    dir = checkCacheDir(wanted);
  } catch (e) {
    if (!(e instanceof CacheDirError)) throw e;
    // mkdtemp makes a new 0700 directory with an unpredictable name.
    dir = mkdtempSync(join(tmpdir(), 'wasi-rewind-private-'));
    process.emitWarning(`${e.message}; using a private cache for this process (${dir})`, { code: 'WASI_REWIND_CACHE_UNSAFE' });
  }
  resolved = { key: wanted, dir };
  return dir;
}
