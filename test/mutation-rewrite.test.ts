// The rewriter (src/rewrite) on small inline modules, in this process: what
// it refuses, what it reports (ModuleInfo, the state exports and reserved
// imports the runtime wires by name), and rewritten modules linked the way
// the runtime links them (CoreLinker, TrackedMemory), each compared with a
// fresh instance of the unmodified module. The hostile-ops runs in
// mutation-core.test.ts cover the instructions one by one; this file covers
// module shapes a wasip1 command does not have (an imported memory, imported
// tables and globals, a memory that is not exported).
import { parse } from '@bytecodealliance/jco';
import binaryen from 'binaryen';
import { describe, expect, it } from 'vitest';
import { InvalidWasmError, UnsupportedModuleError } from '../src/errors.js';
import { CoreLinker } from '../src/core/linker.js';
import { DEFAULT_MEMORY_MODE, EXPORT_MEMORY, EXPORT_VBYTES, EXPORT_VPAGES, IMPORT_MEMORY, MAX_PAGES, PAGE, REWIND_NS, type MemoryMode } from '../src/rewrite/info.js';
import { rewriteModule } from '../src/rewrite/instrument.js';

const wasm = async (wat: string) => new Uint8Array(await parse(wat));
const rewrite = async (wat: string, mode: MemoryMode = DEFAULT_MEMORY_MODE) => rewriteModule(await wasm(wat), mode);
const names = (list: { name: string }[]) => list.map((e) => e.name);

/** What a call does: its result, or the trap's message. */
function outcome(fn: () => unknown): string {
  try {
    return `= ${String(fn())}`;
  } catch (e) {
    return `trap ${(e as Error).message}`;
  }
}

/** A rewritten module linked as the runtime links it, with its snapshot taken. */
async function linked(wat: string, mode: MemoryMode = DEFAULT_MEMORY_MODE) {
  const { bytes, info } = await rewrite(wat, mode);
  const module = new WebAssembly.Module(new Uint8Array(bytes));
  const linker = new CoreLinker(new Map([[module, info]]));
  const { exports } = linker.instantiateCore(module, {}, true);
  const memory = linker.memories[0]!;
  memory.snapshot();
  return { exports: exports as Record<string, (...a: number[]) => number>, memory, info };
}

const fresh = async (wat: string) => new WebAssembly.Instance(new WebAssembly.Module(await wasm(wat))).exports as Record<string, (...a: number[]) => number>;

describe('the rewriter refuses what a rewind cannot cover', () => {
  const refused = async (wat: string, error: typeof UnsupportedModuleError, message: RegExp) => {
    const e = await rewrite(wat).then(() => null, (err: unknown) => err);
    expect(e).toBeInstanceOf(error);
    expect((e as Error).message).toMatch(message);
  };

  it('memory64, shared memory, too many pages, two memories, the reserved namespace, writes to an imported table', async () => {
    await refused('(module (memory i64 1))', UnsupportedModuleError, /^64-bit memories/);
    await refused('(module (memory 1 2 shared))', UnsupportedModuleError, /^shared memories/);
    await refused(`(module (memory ${MAX_PAGES + 1}))`, UnsupportedModuleError, new RegExp(`^a memory of ${MAX_PAGES + 1} pages is not supported`));
    expect((await rewrite(`(module (memory ${MAX_PAGES}))`)).info.memory!.initialPages).toBe(MAX_PAGES);
    await refused('(module (memory 1) (memory 1))', UnsupportedModuleError, /memor/);
    await refused(`(module (import "${REWIND_NS}" "map" (memory 1)))`, UnsupportedModuleError, /reserved/);
    const imported = '(import "env" "t" (table 2 funcref)) (func $f) (elem declare func $f)';
    for (const write of ['(table.set 0 (i32.const 0) (ref.func $f))', '(drop (table.grow 0 (ref.null func) (i32.const 1)))',
      '(table.fill 0 (i32.const 0) (ref.null func) (i32.const 1))', '(table.copy 0 0 (i32.const 0) (i32.const 0) (i32.const 1))']) {
      await refused(`(module ${imported} (func ${write}))`, UnsupportedModuleError, /^a core module that writes to a table it imports is not supported$/);
    }
  });

  it('a valid module binaryen cannot read is unsupported, not invalid', async () => {
    const wat = '(module (table 1 funcref) (func $f) (elem declare func $f) (elem $e func $f) (func (table.init $e (i32.const 0) (i32.const 0) (i32.const 1))))';
    expect(WebAssembly.validate(await wasm(wat))).toBe(true);
    await refused(wat, UnsupportedModuleError, /^binaryen cannot read this core module/);
  });

  it('bytes that are not a module are invalid wasm', async () => {
    const e = (() => {
      try {
        rewriteModule(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0x0a, 0x05, 0xff]));
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(InvalidWasmError);
    expect((e as Error).message).toBe('not a valid core module');
    expect((e as Error).cause).toBeDefined();
  });
});

describe('what the rewriter reports', () => {
  it('own mutable globals and tables only, each exported under the reserved name it reports', async () => {
    const { bytes, info } = await rewrite(`(module
      (import "env" "g" (global (mut i32))) (import "env" "t" (table 1 funcref))
      (global (mut i32) (i32.const 1)) (global i32 (i32.const 2)) (global (mut i64) (i64.const 3))
      (table 2 funcref) (table 3 externref)
      (func (export "grow") (result i32) (table.grow 1 (ref.null func) (i32.const 1))))`);
    const exports = names(WebAssembly.Module.exports(new WebAssembly.Module(new Uint8Array(bytes))));
    // The module's own mutable globals (indices 1 and 3; 0 is imported), then the rewriter's.
    const globals = info.globals.map((g) => g.name);
    expect(info.globals.slice(0, 2)).toEqual([{ name: '__rewind_global_1', type: 'i32' }, { name: '__rewind_global_3', type: 'i64' }]);
    expect(info.globals).toHaveLength(2 + 4); // two tables: a size and a dirty flag each
    expect(info.tables).toEqual(['__rewind_table_1', '__rewind_table_2']);
    expect(info.virtualTables.map((t) => t.table)).toEqual(info.tables);
    for (const t of info.virtualTables) {
      expect(globals).toContain(t.size);
      expect(globals).toContain(t.dirty);
      expect(exports).toContain(t.clear);
    }
    for (const name of [...globals, ...info.tables]) expect(exports).toContain(name);
    expect(info.memory).toBeNull();
    expect(info.mutatesTables).toBe(true);
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(new Uint8Array(bytes)));
    expect(imports.filter((i) => i.module === REWIND_NS)).toEqual([]);
  });

  it('mutatesTables: set by each table-writing instruction, not by reads and calls', async () => {
    const table = '(table $t 2 funcref) (type $v (func)) (func $f) (elem $e func $f) (elem declare func $f)';
    const { info } = await rewrite(`(module ${table} (func (call_indirect (type $v) (i32.const 0)) (drop (table.get $t (i32.const 0))) (drop (table.size $t))))`);
    expect(info.mutatesTables).toBe(false);
    for (const write of ['(table.set $t (i32.const 0) (ref.func $f))', '(drop (table.grow $t (ref.null func) (i32.const 1)))',
      '(table.fill $t (i32.const 0) (ref.null func) (i32.const 1))', '(table.copy $t $t (i32.const 0) (i32.const 0) (i32.const 1))',
      '(table.init $t $e (i32.const 0) (i32.const 0) (i32.const 1))']) {
      expect((await rewrite(`(module ${table} (func ${write}))`)).info.mutatesTables, write).toBe(true);
    }
  });

  it('a defined memory: its limits, exported for the runtime with its size globals, whatever its own export name', async () => {
    // A memory named in the name section is known to binaryen by that name (found through its export).
    for (const [decl, maxPages] of [['(memory 2 5)', 5], ['(memory 2)', MAX_PAGES], ['(memory (export "m") 2 7)', 7], ['(memory $heap (export "m") 2 7)', 7]] as const) {
      const wat = `(module (func (export "f") (result i32) (i32.store (i32.const 8) (i32.const 1)) (memory.size)) ${decl} (func (export "g")))`;
      const { bytes, info } = await rewrite(wat);
      expect(info.memory).toEqual({ imported: null, initialPages: 2, maxPages, mode: DEFAULT_MEMORY_MODE });
      const module = new WebAssembly.Module(new Uint8Array(bytes));
      const exports = names(WebAssembly.Module.exports(module));
      expect(exports).toEqual(expect.arrayContaining([EXPORT_MEMORY, EXPORT_VPAGES, EXPORT_VBYTES]));
      expect(names(WebAssembly.Module.imports(module).filter((i) => i.module === REWIND_NS)).sort()).toEqual(['limit', 'map', IMPORT_MEMORY].sort());
    }
  });

  it('an imported memory: its origin; the size globals are imported, nothing is exported for it', async () => {
    const { bytes, info } = await rewrite('(module (import "env" "mem" (memory 1 10)) (func (export "f") (i32.store (i32.const 8) (i32.const 1))))');
    expect(info.memory).toEqual({ imported: { module: 'env', base: 'mem' }, initialPages: 1, maxPages: 10, mode: DEFAULT_MEMORY_MODE });
    const module = new WebAssembly.Module(new Uint8Array(bytes));
    expect(names(WebAssembly.Module.exports(module))).toEqual(['f']);
    const reserved = WebAssembly.Module.imports(module).filter((i) => i.module === REWIND_NS);
    expect(reserved.map((i) => `${i.name}:${i.kind}`).sort()).toEqual(['limit:global', 'map:memory', 'vbytes:global', 'vpages:global']);
  });
});

describe('rewritten modules linked as the runtime links them, against fresh instances', () => {
  it('two modules sharing a memory: the importer\'s writes are tracked, its memory.size and grow are virtual', async () => {
    const definer = '(module (memory (export "mem") 1 8) (func (export "size") (result i32) (memory.size)))';
    const importer = `(module (import "env" "mem" (memory 1 8))
      (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
      (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
      (func (export "size") (result i32) (memory.size)))`;
    const rewritten = await Promise.all([definer, importer].map((wat) => rewrite(wat)));
    const modules = rewritten.map((r) => new WebAssembly.Module(new Uint8Array(r.bytes)));
    const linker = new CoreLinker(new Map(modules.map((m, i) => [m, rewritten[i]!.info])));
    const d = linker.instantiateCore(modules[0]!, {}).exports;
    const imp = linker.instantiateCore(modules[1]!, { env: { mem: d.mem } }).exports as Record<string, (...a: number[]) => number>;
    expect(linker.memories).toHaveLength(1);
    const memory = linker.memories[0]!;
    memory.snapshot();
    for (let run = 0; run < 3; run++) {
      const plainMem = new WebAssembly.Memory({ initial: 1, maximum: 8 });
      const plain = new WebAssembly.Instance(new WebAssembly.Module(await wasm(importer)), { env: { mem: plainMem } }).exports as Record<string, (...a: number[]) => number>;
      const script = (e: typeof imp) => [
        outcome(() => e.load!(2 * PAGE + 4)), outcome(() => e.load!(100)), outcome(() => e.store!(100, run + 7)), outcome(() => e.grow!(2)), outcome(() => e.size!()),
        outcome(() => e.store!(2 * PAGE + 4, 9)), outcome(() => e.load!(2 * PAGE + 4)), outcome(() => e.grow!(9)), outcome(() => e.load!(3 * PAGE)),
      ];
      expect(script(imp), `run ${run}`).toEqual(script(plain));
      memory.restore();
      memory.verify();
      expect((d.size as () => number)()).toBe(1);
    }
  });

  it('a function whose whole body is one rewritten instruction is rewritten (memory.size, a load)', async () => {
    const wat = `(module (memory 1 4)
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
      (func (export "size") (result i32) (memory.size))
      (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))`;
    const { exports, memory } = await linked(wat);
    for (let run = 0; run < 2; run++) {
      const plain = await fresh(wat);
      const script = (e: typeof exports) => [outcome(() => e.size!()), outcome(() => e.load!(PAGE + 8)), outcome(() => e.grow!(2)), outcome(() => e.size!()), outcome(() => e.load!(PAGE + 8))];
      expect(script(exports), `run ${run}`).toEqual(script(plain));
      memory.restore();
    }
  });

  it('memory.atomic.wait32/64 are checked against the virtual size (4 and 8 bytes), then trap as on a fresh instance', async () => {
    const wat = `(module (memory 1 4)
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
      (func (export "wait32") (param i32) (result i32) (memory.atomic.wait32 (local.get 0) (i32.const 0) (i64.const 0)))
      (func (export "wait64") (param i32) (result i32) (memory.atomic.wait64 (local.get 0) (i64.const 0) (i64.const 0))))`;
    const { exports, memory } = await linked(wat);
    exports.grow!(1);
    memory.restore(); // the real memory keeps its second page; the guest's size is one page again
    const plain = await fresh(wat);
    for (const [name, at] of [['wait32', PAGE - 4], ['wait32', PAGE], ['wait64', PAGE - 8], ['wait64', PAGE - 4], ['wait64', PAGE]] as const) {
      expect(outcome(() => exports[name]!(at)), `${name} at ${at}`).toEqual(outcome(() => plain[name]!(at)));
    }
  });

  it('every activation marks its first write, whatever chunk, at each write site', async () => {
    const wat = `(module (memory 1)
      (func (export "two") (param i32 i32) (i32.store (local.get 0) (i32.const 1)) (i32.store8 (local.get 1) (i32.const 2))))`;
    const { exports, memory } = await linked(wat);
    for (const [a, b] of [[8, 8192], [4100, 8192], [8192, 8], [4100, 4100], [0, 4096]]) {
      exports.two!(a!, b!);
      memory.restore();
      memory.verify();
    }
  });

  it('memory modes: scan leaves the map to the host; real bounds leaves loads and stores to the engine, and nothing else', async () => {
    const wat = `(module (memory 1 4)
      (func (export "store") (param i32) (i32.store (local.get 0) (i32.const 7)) (i32.store8 offset=4096 (local.get 0) (i32.const 1)))
      (func (export "fill") (param i32) (memory.fill (local.get 0) (i32.const 3) (i32.const 8192)))
      (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
      (func (export "size") (result i32) (memory.size)))`;
    const map = (m: Awaited<ReturnType<typeof linked>>) => new Uint8Array(m.memory.mapMemory.buffer).subarray(0, 64);
    const scan = await linked(wat, { tracking: 'scan', bounds: 'virtual' });
    expect(scan.info.memory!.mode).toEqual({ tracking: 'scan', bounds: 'virtual' });
    scan.exports.store!(100);
    scan.exports.fill!(20000);
    expect(map(scan).every((b) => b === 0)).toBe(true);
    const marks = await linked(wat);
    marks.exports.store!(100);
    marks.exports.fill!(20000);
    expect([...map(marks).keys()].filter((c) => map(marks)[c])).toEqual([0, 1, 4, 5, 6]);
    for (const mode of [{ tracking: 'scan', bounds: 'virtual' }, { tracking: 'scan', bounds: 'real' }] as const) {
      const m = await linked(wat, mode);
      expect(m.exports.grow!(1), `${mode.bounds}`).toBe(1);
      m.memory.restore(); // the real memory keeps 2 pages, the guest sees 1
      expect(m.exports.size!()).toBe(1);
      const above = [() => m.exports.load!(PAGE + 8), () => m.exports.store!(PAGE + 8)];
      expect(above.map(outcome), mode.bounds).toEqual(mode.bounds === 'real' ? ['= 0', '= undefined'] : ['trap memory access out of bounds', 'trap memory access out of bounds']);
      // Bulk operations stay checked against the virtual size, and the real end still traps.
      expect(outcome(() => m.exports.fill!(PAGE - 100))).toBe('trap memory access out of bounds');
      expect(outcome(() => m.exports.load!(2 * PAGE - 2))).toBe('trap memory access out of bounds');
    }
  });

  it('operands with side effects run once and in order (memory.init, fill, copy)', async () => {
    const wat = `(module (memory 1) (data $d "abcdefgh") (global $n (mut i32) (i32.const 0))
      (func $next (result i32) (global.set $n (i32.add (global.get $n) (i32.const 1))) (global.get $n))
      (func (export "init") (result i32) (memory.init $d (call $next) (call $next) (call $next)) (global.get $n))
      (func (export "fill") (result i32) (memory.fill (call $next) (call $next) (call $next)) (global.get $n))
      (func (export "copy") (result i32) (memory.copy (call $next) (call $next) (call $next)) (global.get $n))
      (func (export "peek") (result i32) (i32.load (i32.const 0))))`;
    const { exports } = await linked(wat);
    const plain = await fresh(wat);
    for (const name of ['init', 'fill', 'copy', 'peek']) expect(outcome(() => exports[name]!()), name).toEqual(outcome(() => plain[name]!()));
  });

  it('a store out of range whose value traps (every trapping numeric instruction) gives the value\'s trap', async () => {
    const arg = { i32: '(i32.const 1) (i32.const 0)', i64: '(i64.const 1) (i64.const 0)', f32: '(f32.const nan)', f64: '(f64.const nan)' };
    const values: [type: 'i32' | 'i64', value: string][] = [];
    for (const t of ['i32', 'i64'] as const) {
      for (const op of ['div_s', 'div_u', 'rem_s', 'rem_u']) values.push([t, `(${t}.${op} ${arg[t]})`]);
      for (const f of ['f32', 'f64'] as const) for (const sign of ['s', 'u']) values.push([t, `(${t}.trunc_${f}_${sign} ${arg[f]})`]);
    }
    values.push(['i32', `(i32.add ${arg.i32})`], ['i32', '(i32.reinterpret_f32 (f32.div (f32.const 1) (f32.const 0)))']);
    const wat = `(module (memory 1)
      ${values.map(([t, value], i) => `(func (export "s${i}") (param $p i32) (${t}.store (local.get $p) ${value}))`).join('\n')})`;
    const plain = await fresh(wat);
    for (const mode of [DEFAULT_MEMORY_MODE, { tracking: 'scan', bounds: 'virtual' } as const]) {
      const { exports } = await linked(wat, mode);
      values.forEach(([, value], i) => {
        for (const at of [0, PAGE]) expect(outcome(() => exports[`s${i}`]!(at)), `${value} at ${at}, ${mode.tracking}`).toEqual(outcome(() => plain[`s${i}`]!(at)));
      });
    }
    expect(outcome(() => plain.s0!(PAGE))).toMatch(/divide by zero/);
  });

  it('a store out of range runs the calls in its value first: deep in a long expression, in a select, in a lane load\'s vector', async () => {
    let deep = '(call $bump)';
    for (let i = 0; i < 30; i++) deep = `(i32.add (i32.const 1) ${deep})`;
    const wat = `(module (memory 1) (global $n (mut i32) (i32.const 0))
      (func $bump (result i32) (global.set $n (i32.add (global.get $n) (i32.const 1))) (global.get $n))
      (func $vec (result v128) (i32x4.splat (call $bump)))
      (func (export "deep") (param $p i32) (i32.store (local.get $p) ${deep}))
      (func (export "select") (param $p i32) (i32.store (local.get $p) (select (local.get $p) (call $bump) (local.get $p))))
      (func (export "lane") (param $p i32) (v128.store (local.get $p) (v128.load8_lane 0 (i32.const 0) (call $vec))))
      (func (export "count") (result i32) (global.get $n)))`;
    const calls = (e: Record<string, (...a: number[]) => number>) => ['deep', 'select', 'lane'].flatMap((name) => [0, PAGE].map((at) => `${outcome(() => e[name]!(at))} ${e.count!()}`));
    const expected = calls(await fresh(wat));
    expect(expected.at(-1)).toBe('trap memory access out of bounds 6');
    for (const mode of [DEFAULT_MEMORY_MODE, { tracking: 'scan', bounds: 'virtual' } as const]) expect(calls((await linked(wat, mode)).exports), mode.tracking).toEqual(expected);
  });

  it('the check is a branch where the trap may come before the value, a select elsewhere (the shape, for speed)', async () => {
    let deep = '(local.get 1)';
    for (let i = 0; i < 30; i++) deep = `(i32.add (i32.const 1) ${deep})`;
    const bodies: [name: string, body: string, select: boolean][] = [
      ['load', '(drop (i32.load (local.get 0)))', false],
      ['const', '(i32.store (local.get 0) (i32.const 1))', false],
      ['arith', '(i32.store (local.get 0) (i32.add (local.get 1) (i32.const 1)))', false],
      ['load-value', '(i32.store (local.get 0) (i32.load offset=8 (local.get 1)))', false],
      ['tee', '(i32.store (local.get 0) (local.tee 1 (i32.const 1)))', false],
      ['select-value', '(i32.store (local.get 0) (select (local.get 1) (global.get $g) (local.get 0)))', false],
      ['simd', '(drop (v128.load (local.get 0)))', false],
      ['past-4-GiB', '(drop (i32.load offset=4294967295 (local.get 0)))', false],
      ['lane', '(drop (v128.load8_lane 0 (local.get 0) (v128.const i64x2 0 0)))', false],
      ['lane-store', '(v128.store8_lane 0 (local.get 0) (i32x4.splat (local.get 1)))', false],
      ['call', '(i32.store (local.get 0) (call $f))', true],
      ['div', '(i32.store (local.get 0) (i32.div_u (local.get 1) (local.get 1)))', true],
      ['trunc', '(i32.store (local.get 0) (i32.trunc_f32_s (f32.const 1)))', true],
      ['load-div', '(i32.store (local.get 0) (i32.load (i32.div_u (local.get 1) (local.get 1))))', true],
      ['atomic', '(i32.atomic.store (local.get 0) (i32.const 1))', true],
      ['deep', `(i32.store (local.get 0) ${deep})`, true],
    ];
    const wat = `(module (memory 1) (global $g i32 (i32.const 0)) (func $f (result i32) (i32.const 0))
      ${bodies.map(([name, body]) => `(func (export "${name}") (param i32 i32) ${body})`).join('\n')})`;
    const selects = (text: string) => text.split('(select').length - 1;
    for (const mode of [DEFAULT_MEMORY_MODE, { tracking: 'scan', bounds: 'virtual' } as const]) {
      const m = binaryen.readBinary((await rewrite(wat, mode)).bytes);
      try {
        for (const [name, body, select] of bodies) {
          const fn = m.getFunction(binaryen.getExportInfo(m.getExport(name)).value);
          const text = binaryen.emitText(binaryen.getFunctionInfo(fn).body);
          expect(selects(text) > selects(body), `${name} (${mode.tracking}): ${text}`).toBe(select);
          if (!select) expect(text, name).toContain('unreachable');
        }
      } finally {
        m.dispose();
      }
    }
  });

  it('reads of an imported table (table.get, table.size, call_indirect) are left as they are', async () => {
    const wat = `(module (import "env" "t" (table 2 funcref)) (type $v (func (result i32)))
      (func (export "get") (param i32) (result i32) (ref.is_null (table.get 0 (local.get 0))))
      (func (export "size") (result i32) (table.size 0))
      (func (export "call") (param i32) (result i32) (call_indirect (type $v) (local.get 0))))`;
    const { bytes, info } = await rewrite(wat);
    expect(info.tables).toEqual([]);
    const plainFn = (new WebAssembly.Instance(new WebAssembly.Module(await wasm('(module (func (export "f") (result i32) (i32.const 42)))'))).exports.f);
    const run = (module: WebAssembly.Module) => {
      const t = new WebAssembly.Table({ element: 'anyfunc', initial: 2 });
      t.set(1, plainFn as never);
      const e = new WebAssembly.Instance(module, { env: { t } }).exports as Record<string, (...a: number[]) => number>;
      return [outcome(() => e.get!(0)), outcome(() => e.get!(1)), outcome(() => e.get!(2)), outcome(() => e.size!()), outcome(() => e.call!(1)), outcome(() => e.call!(2))];
    };
    expect(run(new WebAssembly.Module(new Uint8Array(bytes)))).toEqual(run(new WebAssembly.Module(await wasm(wat))));
  });

  it('every SIMD load and lane access is checked with its own width, as on a fresh instance', async () => {
    const loads = ['v128.load8_splat', 'v128.load16_splat', 'v128.load32_splat', 'v128.load64_splat', 'v128.load8x8_s', 'v128.load8x8_u',
      'v128.load16x4_s', 'v128.load16x4_u', 'v128.load32x2_s', 'v128.load32x2_u', 'v128.load32_zero', 'v128.load64_zero'];
    const lanes = ['v128.load8_lane', 'v128.load16_lane', 'v128.load32_lane', 'v128.load64_lane'];
    const stores = ['v128.store8_lane', 'v128.store16_lane', 'v128.store32_lane', 'v128.store64_lane'];
    const fns = [
      ...loads.map((op, k) => `(func (export "f${k}") (param i32) (result i32) (i32x4.extract_lane 0 (${op} (local.get 0))))`),
      ...lanes.map((op, k) => `(func (export "f${12 + k}") (param i32) (result i32) (i32x4.extract_lane 0 (${op} 0 (local.get 0) (v128.const i64x2 0 0))))`),
      ...stores.map((op, k) => `(func (export "f${16 + k}") (param i32) (result i32) (${op} 0 (local.get 0) (v128.const i64x2 -1 -1)) (i32.load (i32.const 0)))`),
    ];
    const wat = `(module (memory 1 2) (data (i32.const 0) "\\01\\02\\03\\04\\05\\06\\07\\08") (func (export "grow") (result i32) (memory.grow (i32.const 1))) ${fns.join(' ')})`;
    const { exports, memory } = await linked(wat);
    exports.grow!();
    memory.restore(); // a second real page the guest must not reach
    const plain = await fresh(wat);
    for (let k = 0; k < fns.length; k++) {
      for (const at of [0, PAGE - 8, PAGE - 4, PAGE - 2, PAGE - 1, PAGE]) {
        expect(outcome(() => exports[`f${k}`]!(at)), `f${k} at ${at}`).toEqual(outcome(() => plain[`f${k}`]!(at)));
      }
    }
  });

  it('a static offset that reaches past 4 GiB traps as on a fresh instance', async () => {
    const wat = `(module (memory 1)
      (func (export "load") (param i32) (result i32) (i32.load offset=0xfffffffe (local.get 0)))
      (func (export "store") (param i32) (i32.store offset=0xffffffff (local.get 0) (i32.const 1))))`;
    const { exports } = await linked(wat);
    const plain = await fresh(wat);
    for (const [name, arg] of [['load', 0], ['store', 0], ['load', 100]] as const) {
      expect(outcome(() => exports[name]!(arg))).toEqual(outcome(() => plain[name]!(arg)));
    }
  });

  it('the table clear helpers the runtime calls are not rewritten themselves: clearing leaves the dirty flag alone', async () => {
    const { bytes, info } = await rewrite('(module (table 4 funcref) (func $f) (elem (i32.const 0) $f $f) (func (export "grow") (result i32) (table.grow 0 (ref.func $f) (i32.const 3))))');
    const instance = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(bytes)), {
      [REWIND_NS]: {},
    });
    const e = instance.exports as Record<string, unknown>;
    const [t] = info.virtualTables;
    expect((e.grow as () => number)()).toBe(4);
    const table = e[t!.table] as WebAssembly.Table;
    expect(table.get(5)).not.toBeNull();
    (e[t!.clear] as (from: number, count: number) => void)(4, 3);
    expect([table.get(4), table.get(5), table.get(6), table.get(0)].map((x) => x === null)).toEqual([true, true, true, false]);
    expect((e[t!.dirty] as WebAssembly.Global).value).toBe(0);
  });
});
