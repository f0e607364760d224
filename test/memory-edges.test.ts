// Memory edge cases of the rewriter and the restore: a memory named only in
// the name section, guest names the rewriter's own could meet, static offsets of 2 GiB and more, and host writes above
// 2 GiB (whose i32 pointers reach JavaScript as negative numbers). Fresh
// instances are the oracle.
import { parse } from '@bytecodealliance/jco';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UnsupportedModuleError } from '../src/errors.js';
import { ReusableInstance } from '../src/index.js';
import { TrackedMemory } from '../src/memory/tracked-memory.js';
import { CHUNKS_PER_PAGE, DEFAULT_MEMORY_MODE, EXPORT_VBYTES, EXPORT_VPAGES, JUNK_CHUNK, PAGE } from '../src/rewrite/info.js';
import { rewriteModule } from '../src/rewrite/instrument.js';
import { sameAsFresh } from './support/hostile-ops.js';

const dir = mkdtempSync(join(tmpdir(), 'rewind-memedge-'));
async function wat(name: string, text: string): Promise<string> {
  const file = join(dir, `${name}.wasm`);
  writeFileSync(file, await parse(text));
  return file;
}

/** A command that increments a counter at `at` (offset `offset`) and exits with it: 1 on every fresh instance. */
const counter = (memory: string, offset: number) => `(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  ${memory}
  (func (export "_start")
    (i32.store offset=${offset} (i32.const 0) (i32.add (i32.load offset=${offset} (i32.const 0)) (i32.const 1)))
    (call $exit (i32.load offset=${offset} (i32.const 0)))))`;

describe('memory edge cases', () => {
  it('a memory named in the name section but not exported is rewritten and rewound', async () => {
    const file = await wat('named', counter('(memory $heap 1)', 64));
    const runs = await sameAsFresh(file, [{}, {}, {}]);
    expect(runs.map((r) => r.exitCode)).toEqual([1, 1, 1]);
    const imported = await parse('(module (import "env" "m" (memory $im 1)) (func (export "f") (i32.store (i32.const 0) (i32.const 1))))');
    expect(rewriteModule(imported).info.memory?.imported).toEqual({ module: 'env', base: 'm' });
  });

  it('guest functions, globals and a table named like the rewriter\'s additions are rewritten and rewound', async () => {
    // Every kind of name the rewriter adds, in the name section (f32: it adds bit accessors for it).
    const file = await wat('reserved-names', `(module
      (import "wasi_snapshot_preview1" "proc_exit" (func $__rewind_global_get_1 (param i32)))
      (memory (export "memory") 1)
      (global $__rewind_shadow_0 (mut i32) (i32.const 1)) (global $__rewind_vpages (mut f32) (f32.const 2))
      (table $__rewind_table_0 1 funcref)
      (func $__rewind_globals_restore (global.set $__rewind_shadow_0 (i32.add (global.get $__rewind_shadow_0) (i32.const 1))))
      (func $__rewind_globals_save (result i32)
        (global.set $__rewind_vpages (f32.add (global.get $__rewind_vpages) (f32.const 1))) (i32.trunc_f32_s (global.get $__rewind_vpages)))
      (func (export "_start")
        (call $__rewind_globals_restore)
        (call $__rewind_global_get_1 (i32.add (global.get $__rewind_shadow_0) (call $__rewind_globals_save)))))`);
    const runs = await sameAsFresh(file, [{}, {}]);
    expect(runs.map((r) => r.exitCode)).toEqual([5, 5]);
  });

  it('a guest export named like the rewriter\'s is refused with a typed error', async () => {
    for (const name of ['__rewind_memory', '__rewind_globals_save', '__rewind_anything']) {
      const file = await wat(`export-${name}`, `(module (memory (export "memory") 1) (func (export "${name}")) (func (export "_start")))`);
      await expect(ReusableInstance.create(file)).rejects.toThrow(UnsupportedModuleError);
      await expect(ReusableInstance.create(file)).rejects.toThrow(`export names starting with "__rewind_" are reserved`);
    }
  });

  it('a static offset of 2 GiB and more addresses the memory, as on a fresh instance', async () => {
    const file = await wat('high-offset', counter('(memory (export "memory") 32769)', 2 ** 31 + 16));
    const runs = await sameAsFresh(file, [{}, {}]);
    expect(runs.map((r) => r.exitCode)).toEqual([1, 1]);
    // Past the end it still traps, with the engine's message.
    const past = await wat('past-end', counter('(memory (export "memory") 2)', 2 ** 31 + 16));
    const [r] = await sameAsFresh(past, [{}]);
    expect(r!.trap?.message).toMatch(/memory access out of bounds/);
  });

  it('host writes above 2 GiB, given as negative i32 pointers, are rewound', () => {
    const pages = 32769;
    const tracked = new TrackedMemory({ imported: { module: 'env', base: 'memory' }, initialPages: pages, maxPages: pages, mode: DEFAULT_MEMORY_MODE }, pages);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    const vpages = new WebAssembly.Global({ value: 'i32', mutable: true }, pages);
    const vbytes = new WebAssembly.Global({ value: 'i64', mutable: true }, BigInt(pages * PAGE));
    tracked.attach({ [EXPORT_VPAGES]: vpages, [EXPORT_VBYTES]: vbytes }, memory);
    tracked.snapshot();
    const bytes = new Uint8Array(memory.buffer);
    const high = 2 ** 31 + 3 * 4096 + 8;
    bytes[high] = 7; // behind a pointer argument
    bytes[high + 8192] = 9; // a block the glue filled
    tracked.markPointer(high | 0);
    tracked.markRange((high + 8192) | 0, 4);
    expect(high | 0).toBeLessThan(0);
    tracked.restore();
    expect([bytes[high], bytes[high + 8192]]).toEqual([0, 0]);
  });

  it('a snapshot, or a snapshot file loaded, clears every mark made before it (the map is cleared only where marks can be)', () => {
    const tracked = new TrackedMemory({ imported: { module: 'env', base: 'memory' }, initialPages: 1, maxPages: 64, mode: DEFAULT_MEMORY_MODE }, 64);
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 64 });
    const vpages = new WebAssembly.Global({ value: 'i32', mutable: true }, 1);
    const vbytes = new WebAssembly.Global({ value: 'i64', mutable: true }, BigInt(PAGE));
    tracked.attach({ [EXPORT_VPAGES]: vpages, [EXPORT_VBYTES]: vbytes }, memory);
    const map = new Uint8Array(tracked.mapMemory.buffer);
    // What an init can leave: guest marks up to the chunk after its last page (a spill) and the junk chunk; host marks anywhere.
    const guestMarks = () => void (map[0] = map[CHUNKS_PER_PAGE * vpages.value] = map[JUNK_CHUNK] = 1);
    const hostMarks = () => {
      tracked.markRange(vpages.value * PAGE - 1, 2);
      tracked.markPointer(40 * PAGE);
    };
    const clear = () => map.findIndex((b) => b !== 0);
    memory.grow(3);
    vpages.value = 4;
    vbytes.value = BigInt(4 * PAGE);
    guestMarks();
    tracked.snapshot();
    expect(clear()).toBe(-1);
    hostMarks();
    tracked.snapshot();
    expect(clear()).toBe(-1);
    guestMarks();
    tracked.loadChunks(2, [], new Uint8Array(0)); // fewer pages than the marks were made under
    expect(vpages.value).toBe(2);
    expect(clear()).toBe(-1);
  });
});
