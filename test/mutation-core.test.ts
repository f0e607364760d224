// The restore core end to end on small wasip1 guests, with the rewrite done
// in this process and never cached (prepare() is replaced below): the
// rewriter (src/rewrite), the tracked memory (src/memory), the linker and the
// state snapshot all run as this process loaded them, so a change to any of
// them (a mutant, under `npm run mutation`) shows in these runs. Every run on
// the reused instance (verifyRestore on) is compared with a fresh instance of
// the unmodified module.
//
// The rewrite is cached on disk only while the rewriter's sources are not
// instrumented by Stryker (any area but `rewrite`): there it is not under
// test, and rewriting (and loading binaryen) per mutant only costs time.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ReusableInstance, RestoreError } from '../src/index.js';
import type { Live } from '../src/backend/live.js';
import type { CoreLinker } from '../src/core/linker.js';
import type { NativePrepared, Prepared, PrepareOptions } from '../src/prepare.js';
import { CHUNKS_PER_PAGE, DEFAULT_MEMORY_MODE, PAGE, type MemoryMode } from '../src/rewrite/info.js';
import type { RewriteResult } from '../src/rewrite/instrument.js';
import { activeData, hasStart } from '../src/rewrite/sections.js';
import { build, op, OPS, program, sameAsFresh, startBytes } from './support/hostile-ops.js';
import { assembled, WASIP1_PROLOGUE } from './helpers.js';

// One rewrite per module and test: each test runs the rewriter itself, so
// that Stryker's per-test coverage counts every test whose module a
// rewriter mutant changes (with one rewrite per file, only the first test
// to rewrite a module would be run against the rewriter's mutants).
const prepared = new Map<string, Promise<NativePrepared>>();
beforeEach(() => prepared.clear());

vi.mock('../src/prepare.js', async (original) => ({
  ...(await original<typeof import('../src/prepare.js')>()),
  prepare: (input: string | Uint8Array, options: PrepareOptions = {}): Promise<Prepared> => {
    const mode = options.mode ?? DEFAULT_MEMORY_MODE;
    const key = `${typeof input === 'string' ? input : createHash('sha256').update(input).digest('hex')} ${mode.tracking} ${mode.bounds}`;
    return prepared.get(key) ?? prepared.set(key, rewriteInProcess(input, mode)).get(key)!;
  },
}));

const REWRITER = join(import.meta.dirname, '..', 'src', 'rewrite');
/** Key of a cached rewrite: the module and the rewriter's sources; null when they carry mutants. */
function cacheKey(bytes: Uint8Array, mode: MemoryMode): string | null {
  const h = createHash('sha256').update(bytes).update(`${mode.tracking} ${mode.bounds}`);
  for (const name of readdirSync(REWRITER).sort()) {
    const source = readFileSync(join(REWRITER, name), 'utf8');
    if (source.includes('stryMutAct_')) return null;
    h.update(name).update(source);
  }
  return h.digest('hex');
}

async function rewrite(bytes: Uint8Array, mode: MemoryMode): Promise<RewriteResult> {
  const key = cacheKey(bytes, mode);
  const dir = join(tmpdir(), 'wasi-rewind-mutation-rewrites');
  if (key) {
    try {
      return { bytes: readFileSync(join(dir, `${key}.wasm`)), info: JSON.parse(readFileSync(join(dir, `${key}.json`), 'utf8')) };
    } catch {
      // not cached yet
    }
  }
  const result = (await import('../src/rewrite/instrument.js')).rewriteModule(bytes, mode);
  if (key) {
    mkdirSync(dir, { recursive: true });
    // The info last, each file renamed into place: a reader sees both whole or misses.
    for (const [ext, data] of [['wasm', result.bytes], ['json', JSON.stringify(result.info)]] as const) {
      const tmp = join(dir, `${key}.${process.pid}.tmp`);
      writeFileSync(tmp, data);
      renameSync(tmp, join(dir, `${key}.${ext}`));
    }
  }
  return result;
}

async function rewriteInProcess(input: string | Uint8Array, mode: MemoryMode): Promise<NativePrepared> {
  const bytes = new Uint8Array(typeof input === 'string' ? readFileSync(input) : input);
  const plain = new WebAssembly.Module(bytes);
  const rewritten = await rewrite(bytes, mode);
  return {
    kind: 'preview1',
    hash: 'uncached',
    rewound: { module: new WebAssembly.Module(new Uint8Array(rewritten.bytes)), info: rewritten.info },
    plain,
    imports: WebAssembly.Module.imports(plain).filter((i) => i.module === 'wasi_snapshot_preview1').map((i) => i.name),
    start: hasStart(bytes),
    data: activeData(bytes),
  };
}

describe('restore core on hostile-ops: memory and table operations from stdin', () => {
  it('stores at chunk and page boundaries, a static counter, a store past the end', async () => {
    const end = await startBytes();
    const r = await sameAsFresh(OPS, [
      program(op(0x61), op(0x01, 4095, 1), op(0x02, 4096, 2), op(0x03, 65534, 3), op(0x04, 8188, 1, 2)),
      program(op(0x61), op(0x11, 4095), op(0x12, 4096), op(0x13, 65534), op(0x14, 8188)),
      program(op(0x61), op(0x05, 12288, 9), op(0x06, 100, 5), op(0x07, 20000, 7), op(0x08, 30000, 8)),
      program(op(0x61), op(0x15, 12288), op(0x16, 100), op(0x17, 20000), op(0x18, 30000), op(0x19, 30000)),
      program(op(0x61), op(0x01, end, 0)),
      program(op(0x61)),
    ]);
    expect(r[5]!.stdout).toBe('01000000');
  });

  it('memory.grow, size, fill, copy, init and data.drop', async () => {
    const end = await startBytes();
    await sameAsFresh(OPS, [
      program(op(0x31, 1), op(0x32), op(0x01, end + 10, 77), op(0x11, end + 10)),
      program(op(0x32), op(0x11, end + 10)),
      program(op(0x31, 2), op(0x21, end + 5000, 0xab, 70000), op(0x12, end + 60000)),
      program(op(0x31, 1), op(0x12, end + 5000)),
      program(op(0x22, 40000, 100, 5000), op(0x23, 50000, 2, 8), op(0x24), op(0x12, 50000)),
      program(op(0x22, 40000, 1024, 100), op(0x14, 40000), op(0x22, end - 8, 1024, 8), op(0x14, end - 8)),
      program(op(0x14, 40000), op(0x22, end - 4, 1024, 8)),
      program(op(0x22, 1024, end - 4, 8)),
      program(op(0x23, 50000, 0, 16), op(0x12, 50004)),
      program(op(0x24), op(0x23, 50000, 0, 0), op(0x23, 50000, 1, 1)),
      program(op(0x31, 5), op(0x31, 0), op(0x32)),
      program(op(0x41, 64, 5), op(0x42, 64, 3), op(0x43, 64, 8, 1), op(0x44, 64), op(0x45, 64)),
      program(op(0x44, 64)),
    ]);
  });

  it('out-of-range accesses trap with a fresh instance\'s message; grows past a limit fail', async () => {
    const end = await startBytes();
    await sameAsFresh(OPS, [
      program(op(0x06, end, 1)),
      program(op(0x06, end - 4096 - 2, 1)),
      program(op(0x41, end, 1)),
      program(op(0x42, end, 1)),
      program(op(0x42, end + 1, 1)),
      program(op(0x43, end - 4, 0, 1), op(0x43, end, 0, 1)),
      program(op(0x44, end)),
      program(op(0x45, end, 1)),
      program(op(0x31, 10), op(0x31, 4), op(0x31, 1), op(0x32)),
      program(op(0x51, 0xffffffff), op(0x51, 0x7fffffff), op(0x51, 1), op(0x52)),
      program(op(0x52), op(0x32)),
    ]);
  });

  it('a store\'s value runs before the store\'s trap: a division, a call, a load whose address divides', async () => {
    const end = await startBytes();
    await sameAsFresh(OPS, [
      program(op(0x09, end, 7, 0)), program(op(0x0a, end, 5)), program(op(0x0b, end, 100), op(0x0b, 100, end)),
      program(op(0x0c, end, 7, 0)), program(op(0x0c, end, 7, 1)), program(op(0x1a, end, 5)),
      program(op(0x0b, 100, 200), op(0x13, 100)),
      program(op(0x0d, end - 4096, 5)), program(op(0x0d, end - 4098, 5)), program(op(0x0d, end - 4100, 5), op(0x13, end - 4)),
    ]);
  });

  it('between the virtual and the real size (after a rewound grow) every access traps as on a fresh instance', async () => {
    const end = await startBytes();
    const grow = program(op(0x31, 1), op(0x51, 2));
    const beyond = [
      program(op(0x23, end + 10, 0, 4)), program(op(0x21, end, 1, 4)), program(op(0x22, end, 0, 4)), program(op(0x22, 0, end, 4)),
      program(op(0x54, 2)), program(op(0x55, 2)), program(op(0x53, 3)), program(op(0x56, 2, 1)), program(op(0x57, 1, 2)),
      program(op(0x58, 0, 2, 1)), program(op(0x58, 2, 0, 1)), program(op(0x59, 2, 0, 1)), program(op(0x5b, 0, 2, 1)),
    ];
    await sameAsFresh(OPS, beyond.flatMap((p) => [grow, p]));
  });

  it('table.grow, set, fill, copy, init, elem.drop and calls through the tables', async () => {
    await sameAsFresh(OPS, [
      program(op(0x52), op(0x53, 0), op(0x55, 1)),
      program(op(0x51, 3), op(0x52), op(0x54, 3), op(0x55, 3), op(0x53, 4)),
      program(op(0x52), op(0x53, 3), op(0x55, 3)),
      program(op(0x56, 0, 2), op(0x55, 0), op(0x55, 1)),
      program(op(0x55, 0), op(0x53, 1)),
      program(op(0x51, 2), op(0x56, 2, 2), op(0x57, 3, 1), op(0x53, 2), op(0x53, 3)),
      program(op(0x59, 0, 0, 2), op(0x55, 0), op(0x5a), op(0x59, 0, 0, 0), op(0x59, 1, 0, 1)),
      program(op(0x59, 0, 1, 1), op(0x55, 0)),
      program(op(0x58, 0, 1, 1), op(0x5b, 0, 0, 2), op(0x5c, 0), op(0x5c, 1)),
      program(op(0x5c, 0), op(0x53, 0)),
    ]);
  });
});

describe('boundsChecks unchecked (with memoryTracking scan)', () => {
  it('above memory.size, inside pages an earlier run grew: reads give zeros and writes are rewound; beyond the real memory: traps', async () => {
    const end = await startBytes();
    const inst = await ReusableInstance.create(OPS, { memoryTracking: 'scan', boundsChecks: 'unchecked', verifyRestore: true });
    const fresh = await ReusableInstance.create(OPS, { strategy: 'reinstantiate' });
    await inst.run(program(op(0x31, 1), op(0x01, end + 8, 0x55), op(0x05, end + 100, 7)));
    const read = program(op(0x13, end + 8), op(0x15, end + 96), op(0x03, end + 200, 9), op(0x61));
    expect((await fresh.run(read)).trap?.message).toMatch(/out of bounds/);
    const r = await inst.run(read);
    expect(r.trap).toBeUndefined();
    expect(r.stdout.toString('hex')).toBe('00000000' + '00'.repeat(16) + '01000000');
    expect((await inst.run(program(op(0x13, end + 200)))).stdout.toString('hex')).toBe('00000000');
    const past = program(op(0x13, end + PAGE - 2));
    expect((await inst.run(past)).trap?.message).toBe((await fresh.run(past)).trap?.message);
  });
});

describe('boundsChecks real: the fresh instance a run after a growing one gets', () => {
  it('takes the values the init left in globals (an f64 NaN payload too), and counts the chunks it wrote', async () => {
    const inst = await ReusableInstance.create(build('init-global'), { init: 'init', memoryTracking: 'scan', boundsChecks: 'real', verifyRestore: true });
    const want = 'g=5 f=7ff4000000000001\n'; // fresh instance + init, every run
    expect((await inst.run()).stdout.toString()).toBe(want);
    for (let i = 0; i < 2; i++) {
      const r = await inst.run();
      expect(r.stdout.toString()).toBe(want);
      expect(r.chunksRestored).toBe(1); // chunk 0, which holds the data segment: stored in the image
      expect(inst.stats().realMemoryBytes).toEqual([2 * PAGE]); // a new memory, grown once by this run
    }
  });
});

describe('boundsChecks real: reference globals of the fresh instance', () => {
  it('stay its own: a funcref global still calls into the new instance (its memory), run after run', async () => {
    const file = await assembled('funcref', `(module ${WASIP1_PROLOGUE}
      (type $v (func))
      (table $t 1 funcref)
      (global $r (mut funcref) (ref.func $mark))
      (elem declare func $mark)
      (data (i32.const 100) "r=?\\n")
      (func $mark (i32.store8 (i32.const 102) (i32.const 88)))
      (func (export "_start")
        (drop (memory.grow (i32.const 1)))
        (table.set $t (i32.const 0) (global.get $r))
        (call_indirect (type $v) (i32.const 0))
        (i32.store (i32.const 0) (i32.const 100))
        (i32.store (i32.const 4) (i32.const 4))
        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`);
    const results = await sameAsFresh(file, [{}, {}, {}], [{ memoryTracking: 'scan', boundsChecks: 'real' }]);
    expect(results.map((r) => Buffer.from(r.stdout, 'hex').toString())).toEqual(['r=X\n', 'r=X\n', 'r=X\n']);
  });
});

describe('restore statistics', () => {
  it('chunksRestored counts what the reset copied back: none before the first run, at least a stored chunk and its spill chunk after', async () => {
    const inst = await ReusableInstance.create(OPS);
    const first = await inst.run(program(op(0x01, 3 * 4096, 1)));
    expect(first.chunksRestored).toBe(0);
    expect((await inst.run(program())).chunksRestored).toBeGreaterThanOrEqual(2);
  });
});

describe('restore core on run-once commands', () => {
  it('state.wat: a private global, a grown page, a table slot set', async () => {
    await sameAsFresh(build('state'), [{}, {}, {}]);
  });

  it('hostile-elem-drop.wat: a dropped element segment comes back', async () => {
    await sameAsFresh(build('hostile-elem-drop'), [{}, {}, {}]);
  });

  it('grow.c and counter.c: heap growth and static data', async () => {
    await sameAsFresh(build('grow'), [{ args: ['3'] }, { args: ['1'] }, { args: ['5'] }]);
    await sameAsFresh(build('counter'), [{}, {}, {}]);
  });
});

/** A reused state.wat whose next restore is followed by `corrupt` (a restore that misses something). */
async function plantedAfterRestore(corrupt: (linker: CoreLinker) => void): Promise<RestoreError> {
  const inst = await ReusableInstance.create(build('state'), { verifyRestore: true });
  await inst.run();
  const { snapshot } = (inst as unknown as { live: Live }).live;
  const linker = (snapshot as unknown as { linker: CoreLinker }).linker;
  const restore = snapshot!.restore.bind(snapshot);
  snapshot!.restore = () => {
    const chunks = restore();
    corrupt(linker);
    return chunks;
  };
  const e = await inst.run().then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(RestoreError);
  return e as RestoreError;
}

describe('verifyRestore names what a restore missed: planted bugs', () => {
  const exportsOf = (linker: CoreLinker) => linker.instances[0]!.exports;
  const nameOf = (linker: CoreLinker, kind: 'globals' | 'tables') => {
    const first = linker.instances[0]!.info[kind][0]!;
    return typeof first === 'string' ? first : first.name;
  };

  it('a global not put back', async () => {
    const e = await plantedAfterRestore((l) => {
      const g = exportsOf(l)[nameOf(l, 'globals')] as WebAssembly.Global;
      g.value = (g.value as number) + 1;
    });
    expect(e.message).toMatch(/^global 0\.\S+ is \d+ after restore, the snapshot has \d+$/);
  });

  it('a table entry not put back', async () => {
    const e = await plantedAfterRestore((l) => {
      const t = exportsOf(l)[nameOf(l, 'tables')] as WebAssembly.Table;
      t.set(1, exportsOf(l)._start);
    });
    expect(e.message).toMatch(/^table 0\.\S+ entry 1 differs from the snapshot after restore$/);
  });

  it('a table entry above the snapshot size left set', async () => {
    const e = await plantedAfterRestore((l) => {
      const t = exportsOf(l)[nameOf(l, 'tables')] as WebAssembly.Table;
      t.grow(1, exportsOf(l)._start);
    });
    expect(e.message).toMatch(/^table 0\.\S+ entry 2 differs from the snapshot after restore$/);
  });

  it('a table\'s virtual size not put back: it is one of the snapshot\'s globals, checked first', async () => {
    const e = await plantedAfterRestore((l) => {
      const size = exportsOf(l)[l.instances[0]!.info.virtualTables[0]!.size] as WebAssembly.Global;
      size.value = (size.value as number) + 1;
    });
    expect(e.message).toMatch(/^global 0\.\S+ is 3 after restore, the snapshot has 2$/);
  });

  it('a memory page written behind the dirty map', async () => {
    const e = await plantedAfterRestore((l) => {
      const bytes = new Uint8Array(l.memories[0]!.memory!.buffer);
      bytes[5] = bytes[5]! ^ 1;
    });
    expect(e.message).toBe('memory page 0 differs from the snapshot after restore (an untracked write)');
  });

  it('a page above the snapshot size not zeroed', async () => {
    const e = await plantedAfterRestore((l) => {
      const m = l.memories[0]!;
      const bytes = new Uint8Array(m.memory!.buffer);
      bytes[m.snapshotImage.length + 1] = 9;
    });
    expect(e.message).toMatch(/^memory page \d+ above the snapshot size is not zero after restore$/);
  });

  it('the virtual memory size not put back', async () => {
    const e = await plantedAfterRestore((l) => {
      l.memories[0]!.vpages.value += 1;
    });
    expect(e.message).toMatch(/^memory size is (\d+) pages after restore, the snapshot has \d+$/);
  });

  it('a dirty mark left in the map', async () => {
    const e = await plantedAfterRestore((l) => {
      new Uint8Array(l.memories[0]!.mapMemory.buffer)[3 * CHUNKS_PER_PAGE] = 1;
    });
    expect(e.message).toBe('dirty map not cleared after restore');
  });
});
