// Buggy and hostile guests: each case is a sequence of runs on ONE reused
// instance (with verifyRestore) compared with the same runs on fresh
// instances (strategy `reinstantiate`): exit code, stdout, stderr, trap kind
// and message must be identical. The ops fixture (hostile-ops.wat) reads a
// program of memory/table operations from stdin, so addresses can be aimed at
// the last bytes of memory, beyond it, or above the virtual size after a
// grow; hostile-mem.c does the same through wasi-libc (run-once `_start`).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ReusableInstance, type RunOptions } from '../src/index.js';
import { UnsupportedModuleError } from '../src/errors.js';
import { rewriteModule } from '../src/rewrite/instrument.js';
import { build, op, OPS, program, sameAsFresh, startBytes } from './support/hostile-ops.js';

const MEM = build('hostile-mem');

/** The guest's memory size in bytes at the start of a run (as a fresh instance sees it). */
let END = 0;
beforeAll(async () => {
  END = await startBytes();
});

describe('memory bookkeeping is out of the guest\'s reach', () => {
  it('a store just past the end traps; a static counter then prints 1 every run', async () => {
    const r = await sameAsFresh(OPS, [
      program(op(0x61), op(0x01, END, 0)), program(op(0x61)), program(op(0x61), op(0x01, END + 100, 0)), program(op(0x61)),
    ]);
    expect(r[1]!.stdout).toBe('01000000');
    expect(r[0]!.trap?.kind).toBe('trap');
  });

  it('C: a memset running 256 bytes past the end traps, and later runs still start (run-once flag restored)', async () => {
    const r = await sameAsFresh(MEM, ['count', 'memset-end', 'count', 'poke-above', 'count', 'memset-end', 'count'].map((a) => ({ args: [a] })));
    expect(r[1]!.trap).toBeDefined();
    expect(r[6]!.stdout).toBe(Buffer.from('1\n').toString('hex'));
  });

  it('C: writes and reads above the virtual size after an earlier grow trap; re-grown pages read zeros', async () => {
    await sameAsFresh(MEM, ['grow-write', 'read-above', 'poke-above', 'grow-read', 'grow-write', 'grow-read', 'read-above', 'count'].map((a) => ({ args: [a] })));
  });

  it('ops: accesses above the virtual size after a grow trap, in every width', async () => {
    const grown = END; // first byte of the page the next grow adds
    await sameAsFresh(OPS, [
      program(op(0x31, 1), op(0x03, grown, 0x11223344), op(0x05, grown + 100, 7), op(0x13, grown)),
      program(op(0x13, grown)),
      program(op(0x11, grown)),
      program(op(0x15, grown)),
      program(op(0x01, grown, 9)),
      program(op(0x41, grown, 9)),
      program(op(0x31, 1), op(0x13, grown), op(0x15, grown + 96), op(0x14, grown + 65528)),
      program(op(0x31, 1), op(0x31, 1), op(0x11, grown + 70000)),
      program(op(0x16, grown - 4096)),
    ]);
  });

  it('ops: a store\'s value (a call, a division, a load) is evaluated before the store traps, as on a fresh instance', async () => {
    const r = await sameAsFresh(OPS, [
      program(op(0x09, END, 7, 0)), // divide by zero, not out of bounds
      program(op(0x09, END, 7, 1)),
      program(op(0x0a, END, 5)), // prints "!", then traps
      program(op(0x0b, END, 100)),
      program(op(0x0b, 100, END)),
      program(op(0x0b, 100, 200), op(0x0b, 200, 64), op(0x61), op(0x13, 200)),
      program(op(0x0c, END, 7, 0)), // the load's address divides by zero
      program(op(0x0c, END, 7, 1)),
      program(op(0x1a, END, 5)), // a lane load: its vector operand prints "!" first
      program(op(0x31, 1), op(0x0a, END + 8, 5), op(0x0c, END + 12, 7, 1), op(0x13, END + 8)),
      program(op(0x0a, END + 8, 5)), // between the virtual and the real size
      program(op(0x09, END + 8, 7, 0)),
      program(op(0x0d, END - 4096, 5)), // the value's call, then the trap, with a static offset
      program(op(0x0d, END - 4100, 5), op(0x13, END - 4)),
    ]);
    expect(r[0]!.trap?.message).toMatch(/divide by zero/);
    expect(r[1]!.trap?.message).toMatch(/out of bounds/);
    expect(r[2]!.stdout).toBe(Buffer.from('!').toString('hex'));
    expect(r[10]!.stdout).toBe(Buffer.from('!').toString('hex'));
    expect(r[10]!.trap?.message).toMatch(/out of bounds/);
    expect(r[6]!.trap?.message).toMatch(/divide by zero/);
    expect(r[8]!.stdout).toBe(Buffer.from('!').toString('hex'));
  });

  it('ops: host reads and writes (fd_write) above the virtual size after a grow trap', async () => {
    const grown = END;
    const results = await sameAsFresh(OPS, [
      program(op(0x31, 1), op(0x71, grown, 4), op(0x72, grown + 8)),
      program(op(0x71, grown, 4)),
      program(op(0x72, grown)),
      program(op(0x71, grown - 4, 4), op(0x72, grown - 4)),
      program(op(0x71, grown - 2, 4)),
      program(op(0x72, grown - 2)),
      program(op(0x31, 1), op(0x71, grown + 65532, 4), op(0x72, grown + 65532)),
      program(op(0x71, grown + 65532, 4)),
    ]);
    // The first run's host calls succeed inside the grown page; the next ones trap.
    expect(results[0]!.trap).toBeUndefined();
    expect(results[1]!.trap?.message).toMatch(/out of bounds/);
    expect(results[2]!.trap?.message).toMatch(/out of bounds/);
    expect(results[3]!.trap).toBeUndefined();
    expect(results[4]!.trap?.message).toMatch(/out of bounds/);
  });
});

describe('accesses straddling the end of memory trap as on a fresh instance', () => {
  // Each run first grows memory by a page, so the last page belongs to the
  // guest (the page below it holds the preview1 adapter's state).
  const grown = (...ops: Buffer[]) => program(op(0x31, 1), ...ops);
  let TOP = 0;
  beforeAll(() => {
    TOP = END + 65536;
  });

  const widths: [store: number, load: number, bytes: number][] = [[0x01, 0x11, 1], [0x02, 0x12, 2], [0x03, 0x13, 4], [0x04, 0x14, 8], [0x05, 0x15, 16]];
  for (const [store, load, bytes] of widths) {
    it(`${bytes}-byte stores and loads at end - ${bytes} .. end + 1`, async () => {
      const runs: RunOptions[] = [];
      for (let at = TOP - bytes - 1; at <= TOP + 1; at++) runs.push(grown(op(store, at, 0x5a5a5a5a, 0x5a5a5a5a), op(load, at)), grown(op(load, at)));
      await sameAsFresh(OPS, runs);
    });
  }

  it('static offsets, SIMD lanes, zero-extending and splat loads, i64.store32', async () => {
    const runs: RunOptions[] = [];
    for (const d of [-5, -4, -3, -1, 0]) {
      runs.push(grown(op(0x06, TOP - 4096 + d, 1)), grown(op(0x16, TOP - 4096 + d)));
    }
    for (const d of [-9, -8, -7, -4, -3, -2, -1, 0]) {
      runs.push(grown(op(0x07, TOP + d, 0x1234)), grown(op(0x17, TOP + d)), grown(op(0x18, TOP + d)));
      runs.push(grown(op(0x19, TOP + d)), grown(op(0x08, TOP + d, 77)));
    }
    await sameAsFresh(OPS, runs);
  });

  it('memory.fill / memory.copy / memory.init ranges ending at and past the end', async () => {
    await sameAsFresh(OPS, [
      grown(op(0x21, TOP - 10, 0x41, 10), op(0x15, TOP - 16)),
      grown(op(0x15, TOP - 16)),
      grown(op(0x21, TOP - 10, 0x41, 11)),
      grown(op(0x21, TOP, 0, 0), op(0x61)),
      grown(op(0x21, TOP + 1, 0, 0)),
      grown(op(0x22, TOP - 16, 2000, 16), op(0x15, TOP - 16)),
      grown(op(0x22, TOP - 15, 2000, 16)),
      grown(op(0x22, 2000, TOP - 15, 16)),
      grown(op(0x22, 2000, TOP, 0), op(0x22, TOP, 2000, 0), op(0x61)),
      grown(op(0x22, 2000, TOP + 1, 0)),
      grown(op(0x23, TOP - 16, 0, 16), op(0x15, TOP - 16)),
      grown(op(0x23, TOP - 15, 0, 16)),
      grown(op(0x23, 5000, 10, 7)),
      grown(op(0x23, TOP + 1, 0, 0)),
      grown(op(0x15, TOP - 16), op(0x15, 4992)),
      grown(op(0x31, 1), op(0x21, TOP, 0x42, 65536), op(0x14, TOP + 65528)),
      grown(op(0x21, TOP, 0x42, 1)),
      program(op(0x21, END, 0x42, 1)),
    ]);
  });

  it('atomics: in range, misaligned, and out of range', async () => {
    await sameAsFresh(OPS, [
      grown(op(0x41, TOP - 4, 5), op(0x42, TOP - 4, 3), op(0x43, TOP - 4, 8, 1), op(0x44, TOP - 4)),
      grown(op(0x44, TOP - 4)),
      grown(op(0x41, TOP - 2, 5)),
      grown(op(0x41, TOP, 5)),
      grown(op(0x42, TOP, 5)),
      grown(op(0x43, TOP + 4, 5, 6)),
      grown(op(0x44, TOP)),
      grown(op(0x45, TOP - 4, 1), op(0x45, TOP, 1)),
    ]);
  });
});

describe('tables and segments are rewound', () => {
  it('table.grow gives the same result every run; entries beyond the size trap', async () => {
    const r = await sameAsFresh(OPS, [
      program(op(0x51, 3), op(0x52), op(0x54, 4), op(0x55, 4)),
      program(op(0x52), op(0x53, 1), op(0x55, 4)),
      program(op(0x51, 3), op(0x53, 4), op(0x52)),
      program(op(0x53, 2)),
      program(op(0x54, 2)),
      program(op(0x54, 1), op(0x55, 1)),
      program(op(0x55, 1)),
      program(op(0x51, 0), op(0x51, 0xffffffff), op(0x52)),
      program(op(0x51, 3), op(0x52)),
    ]);
    expect(r[8]!.stdout).toBe(r[0]!.stdout.slice(0, 16));
  });

  it('a million-entry table.grow per run does not accumulate', async () => {
    const runs = [1, 2, 3].map(() => program(op(0x51, 1_000_000), op(0x52), op(0x54, 999_999), op(0x55, 999_999)));
    const r = await sameAsFresh(OPS, [...runs, program(op(0x52), op(0x53, 5))]);
    expect(new Set(r.slice(0, 3).map((x) => x.stdout)).size).toBe(1);
  });

  // $t has 2 entries, $u 3; 55/5c call entry a (prints "!" or "#", traps on null), 53 prints is_null.
  it('table.fill: ranges ending at and past the virtual end, after a grow, and restored each run', async () => {
    const r = await sameAsFresh(OPS, [
      program(op(0x56, 0, 2), op(0x55, 0), op(0x55, 1)),
      program(op(0x53, 0), op(0x53, 1)),
      program(op(0x56, 1, 1), op(0x53, 0), op(0x53, 1)),
      program(op(0x56, 1, 2)),
      program(op(0x56, 2, 0), op(0x61)),
      program(op(0x56, 3, 0)),
      program(op(0x51, 3), op(0x56, 3, 2), op(0x55, 4), op(0x53, 2)),
      program(op(0x56, 3, 1)),
      program(op(0x53, 3)),
      program(op(0x56, 0, 0xffffffff)),
      program(op(0x56, 0xffffffff, 1)),
      program(op(0x56, 0, 2), op(0x57, 1, 1), op(0x53, 0), op(0x53, 1)),
    ]);
    expect(r[0]!.stdout).toBe(Buffer.from('!!').toString('hex'));
    expect(r[1]!.stdout).toBe(Buffer.from('11').toString('hex'));
    expect([3, 5, 7, 9, 10].map((i) => r[i]!.trap?.kind)).toEqual(Array(5).fill('trap'));
  });

  it('table.copy: within a table and across tables, source or destination past the virtual end', async () => {
    const r = await sameAsFresh(OPS, [
      program(op(0x54, 0), op(0x58, 1, 0, 1), op(0x55, 1)),
      program(op(0x53, 1), op(0x53, 0)),
      program(op(0x54, 0), op(0x58, 1, 0, 2)),
      program(op(0x54, 0), op(0x58, 0, 1, 2)),
      program(op(0x58, 2, 2, 0), op(0x58, 0, 2, 0), op(0x61)),
      program(op(0x58, 3, 0, 0)),
      program(op(0x58, 0, 3, 0)),
      program(op(0x51, 2), op(0x54, 3), op(0x58, 0, 3, 1), op(0x55, 0)),
      program(op(0x58, 0, 3, 1)),
      program(op(0x58, 3, 0, 1)),
      program(op(0x54, 1), op(0x5b, 2, 1, 1), op(0x5c, 2)),
      program(op(0x5c, 2)),
      program(op(0x5b, 2, 0, 2)),
      program(op(0x51, 1), op(0x54, 2), op(0x5b, 0, 1, 2), op(0x5c, 1)),
      program(op(0x5b, 0, 1, 2)),
    ]);
    expect(r[0]!.stdout).toBe(Buffer.from('!').toString('hex'));
    expect(r[1]!.stdout).toBe(Buffer.from('11').toString('hex'));
    expect([2, 3, 5, 6, 8, 9, 11, 12, 14].map((i) => r[i]!.trap?.kind)).toEqual(Array(9).fill('trap'));
  });

  it('table.init and elem.drop: the segment is back every run; a dropped segment is empty; both bounds checked', async () => {
    const r = await sameAsFresh(OPS, [
      program(op(0x59, 0, 0, 2), op(0x55, 0), op(0x55, 1)),
      program(op(0x53, 0)),
      program(op(0x59, 0, 1, 2), op(0x55, 0), op(0x55, 1)),
      program(op(0x59, 1, 0, 2)),
      program(op(0x59, 0, 2, 2)),
      program(op(0x59, 3, 5, 1)),
      program(op(0x59, 2, 3, 0), op(0x61)),
      program(op(0x5a), op(0x59, 0, 0, 0), op(0x61), op(0x59, 0, 0, 1)),
      program(op(0x59, 0, 0, 1), op(0x55, 0)),
      program(op(0x5a), op(0x5a), op(0x59, 0, 1, 0)),
      program(op(0x5a), op(0x59, 3, 0, 0)),
      program(op(0x5a), op(0x59, 3, 0, 1)),
      program(op(0x51, 2), op(0x59, 2, 0, 2), op(0x55, 3)),
      program(op(0x59, 2, 0, 1)),
      program(op(0x53, 0), op(0x59, 1, 2, 1), op(0x55, 1)),
      program(op(0x5a), op(0x59, 0, 0xfffffff0, 0x20)),
      program(op(0x5a), op(0x59, 0, 4, 0)),
      program(op(0x59, 0, 0xffffffff, 1)),
    ]);
    expect(r[0]!.stdout).toBe(Buffer.from('#!').toString('hex'));
    expect(r[2]!.stdout).toBe(Buffer.from('!#').toString('hex'));
    expect(r[8]!.stdout).toBe(Buffer.from('#').toString('hex'));
    expect([3, 4, 5, 7, 9, 10, 11, 13, 15, 16, 17].map((i) => r[i]!.trap?.kind)).toEqual(Array(11).fill('trap'));
    expect(r[4]!.trap?.message).not.toBe(r[3]!.trap?.message); // segment vs table bounds, as V8 words them
  });

  it('data.drop is undone: memory.init works again in the next run, and traps after the drop', async () => {
    const r = await sameAsFresh(OPS, [
      program(op(0x23, 5000, 0, 4), op(0x24), op(0x23, 5000, 0, 0), op(0x13, 5000), op(0x23, 5000, 0, 4)),
      program(op(0x23, 5000, 2, 4), op(0x13, 5000)),
      program(op(0x24), op(0x23, 5000, 1, 0)),
      program(op(0x24), op(0x24), op(0x23, END + 1, 0, 0)),
      program(op(0x23, 5000, 12, 4), op(0x13, 5000)),
    ]);
    expect(r[0]!.trap).toBeDefined();
    expect(r[1]!.trap).toBeUndefined();
  });

  it('elem.drop is undone: a run-once table.init, drop, and table.init of the dropped segment', async () => {
    const r = await sameAsFresh(build('hostile-elem-drop'), [{}, {}, {}]);
    expect(r.map((x) => [x.stdout, x.trap?.kind])).toEqual(Array(3).fill([Buffer.from('hi\n').toString('hex'), 'trap']));
  });
  it('rejects two memories and imports from the reserved namespace', async () => {
    const { parse } = await import('@bytecodealliance/jco');
    const two = await parse('(module (memory 1) (memory 1))');
    expect(() => rewriteModule(two)).toThrow(UnsupportedModuleError);
    const reserved = await parse('(module (import "wasi-rewind" "map" (memory 1)))');
    expect(() => rewriteModule(reserved)).toThrow(UnsupportedModuleError);
    for (const write of ['(table.fill 0 (i32.const 0) (ref.null func) (i32.const 1))', '(table.copy 0 1 (i32.const 0) (i32.const 0) (i32.const 1))',
      '(table.init 0 0 (i32.const 0) (i32.const 0) (i32.const 1))']) {
      const imported = await parse(`(module (import "m" "t" (table 1 funcref)) (table 1 funcref) (elem func) (func ${write}))`);
      expect(() => rewriteModule(imported), write).toThrow(UnsupportedModuleError);
    }
    // Valid wasm binaryen cannot read: typed as unsupported, not invalid.
    const declaredFirst = await parse('(module (table 1 funcref) (func $f) (elem declare func $f) (elem $e func $f) (func (elem.drop $e)))');
    expect(() => rewriteModule(declaredFirst)).toThrow(UnsupportedModuleError);
    expect(() => rewriteModule(new Uint8Array(readFileSync(OPS)))).not.toThrow();
  });
});

describe('randomized access sequences (seeded)', () => {
  it('200 random programs, 6 operations each, equal fresh instances run after run', async () => {
    let seed = 0x2545f491;
    const next = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const near = () => {
      const bases = [END, END + 65536, 4096, 8192, 65536, 0, 5000];
      return (bases[next(bases.length)]! + next(40) - 20) >>> 0;
    };
    const codes = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x0a, 0x0b, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
      0x21, 0x22, 0x23, 0x24, 0x31, 0x32, 0x41, 0x42, 0x43, 0x44, 0x51, 0x52, 0x53, 0x54, 0x55, 0x61,
      0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b, 0x5c];
    const runs: RunOptions[] = [];
    for (let p = 0; p < 200; p++) {
      const ops = [];
      for (let k = 0; k < 6; k++) {
        const code = codes[next(codes.length)]!;
        const small = code === 0x31 || code === 0x51 ? next(3) : code >= 0x51 ? next(8) : near();
        const table = code >= 0x51 && code !== 0x61;
        ops.push(op(code, small, code === 0x22 ? near() : table ? next(6) : next(300), table ? next(4) : next(40)));
      }
      runs.push(program(...ops));
    }
    await sameAsFresh(OPS, runs);
  }, 120_000);
});

describe('binaryen diagnostics', () => {
  it('stay off stderr while rewriting, unless WASI_REWIND_DEBUG is set', async () => {
    // jco's preview1 adapter has a name subsection binaryen does not know.
    const { prepareComponent } = await import('../src/prepare.js');
    const { cacheDir } = await import('../src/cache/location.js');
    const { readdirSync } = await import('node:fs');
    const { spawnSync } = await import('node:child_process');
    const { join } = await import('node:path');
    const { hash } = await prepareComponent(OPS);
    const dir = join(cacheDir(), readdirSync(cacheDir()).find((d) => d.startsWith(`${hash}-`) && !d.startsWith(`${hash}-p1-`) && !d.includes('.tmp-'))!, 'plain');
    const cores = readdirSync(dir).filter((f) => f.endsWith('.wasm')).map((f) => join(dir, f));
    const rewrite = (debug: string) => spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'support', 'rewrite-child.ts'), ...cores], {
      env: { ...process.env, WASI_REWIND_DEBUG: debug }, encoding: 'utf8',
    });
    const quiet = rewrite('');
    expect(quiet.status).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(rewrite('1').stderr).toMatch(/warning: unknown name subsection/);
  }, 300_000);
});
