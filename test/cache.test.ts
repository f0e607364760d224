// The prepare cache: a per-user directory that must be private, and entries
// whose every file is checked against its recorded hash before it is loaded
// or imported. Each case runs in a fresh process, as a planted file would
// be met by the next process.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sealEntry } from '../src/cache/entry.js';
import { CacheDirError, checkCacheDir, configuredCacheDir } from '../src/cache/location.js';
import { fixture } from './helpers.js';

const child = new URL('./support/cache-child.ts', import.meta.url).pathname;
const base = mkdtempSync(join(tmpdir(), 'rewind-cache-test-'));

function runIn(cache: string) {
  const out = execFileSync(process.execPath, ['--import', 'tsx', child, fixture('hello')], { encoding: 'utf8', env: { ...process.env, WASI_REWIND_CACHE: cache } });
  return JSON.parse(out) as { stdout: string; warnings: string[] };
}

/** Puts code into an entry's glue that leaves a marker file if it ever runs. */
function plant(entry: string, marker: string) {
  const glue = join(entry, 'rewound', 'component.mjs');
  writeFileSync(glue, `import('node:fs').then((fs) => fs.writeFileSync(${JSON.stringify(marker)}, 'ran'));\n${readFileSync(glue, 'utf8')}`);
}

const entryOf = (cache: string) => join(cache, readdirSync(cache).find((n) => !n.includes('.tmp-'))!);

describe('cache location', () => {
  it('is $WASI_REWIND_CACHE, else $XDG_CACHE_HOME/wasi-rewind, else ~/.cache/wasi-rewind (never the shared temp dir)', () => {
    expect(configuredCacheDir({ WASI_REWIND_CACHE: '/a/b', XDG_CACHE_HOME: '/x' })).toBe('/a/b');
    expect(configuredCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/wasi-rewind');
    expect(configuredCacheDir({})).toBe(join(homedir(), '.cache', 'wasi-rewind'));
  });

  it('is created mode 0700; a group/world-writable, foreign-owned or symlinked directory is refused', () => {
    const fresh = join(base, 'new', 'cache');
    checkCacheDir(fresh);
    expect(statSync(fresh).mode & 0o777).toBe(0o700);
    const open = join(base, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect(() => checkCacheDir(open)).toThrow(CacheDirError);
    expect(() => checkCacheDir(open)).toThrow(/writable by group or others/);
    const link = join(base, 'link');
    symlinkSync(fresh, link);
    expect(() => checkCacheDir(link)).toThrow(/not a directory/);
    if (process.getuid?.() === 0) {
      const foreign = join(base, 'foreign');
      mkdirSync(foreign, { mode: 0o700 });
      chownSync(foreign, 12345, 12345);
      expect(() => checkCacheDir(foreign)).toThrow(/owned by user 12345/);
    }
  });
});

describe('cache entries', () => {
  const cache = join(base, 'private');
  beforeAll(() => {
    expect(runIn(cache).stdout).toBe('hello from wasi-rewind\n');
  });

  it('a tampered entry is detected, removed and rebuilt; its code never runs', () => {
    const marker = join(base, 'tampered-ran');
    plant(entryOf(cache), marker);
    const r = runIn(cache);
    expect(r.stdout).toBe('hello from wasi-rewind\n');
    expect(r.warnings.join('\n')).toMatch(/WASI_REWIND_CACHE_TAMPERED: .*component\.mjs does not match its recorded hash/);
    expect(existsSync(marker)).toBe(false);
    expect(runIn(cache).warnings).toEqual([]); // rebuilt entry passes its check
  });

  it('a consistent entry planted in a world-writable cache directory is never loaded', () => {
    const shared = join(base, 'shared');
    mkdirSync(shared, { mode: 0o777 });
    chmodSync(shared, 0o777);
    const planted = join(shared, readdirSync(cache).find((n) => !n.includes('.tmp-'))!);
    cpSync(entryOf(cache), planted, { recursive: true });
    const marker = join(base, 'planted-ran');
    plant(planted, marker);
    return sealEntry(planted).then(() => {
      const r = runIn(shared);
      expect(r.stdout).toBe('hello from wasi-rewind\n');
      expect(r.warnings.join('\n')).toMatch(/WASI_REWIND_CACHE_UNSAFE: cache directory .* is writable by group or others/);
      expect(existsSync(marker)).toBe(false);
    });
  });
});
