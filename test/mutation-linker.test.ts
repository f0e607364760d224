// CoreLinker (src/core/linker.ts) on small rewritten modules, the way jco's
// glue drives it for a component: several core modules, one memory defined
// by one of them and imported by others, host imports that write results
// behind their last argument, and a cabi_realloc whose blocks the host
// fills. Whatever the host wrote must be rewound: after a restore the
// memory equals its snapshot (TrackedMemory.verify), as a fresh memory would.
import { parse } from '@bytecodealliance/jco';
import { describe, expect, it } from 'vitest';
import { CoreLinker } from '../src/core/linker.js';
import { InstantiationError } from '../src/errors.js';
import { PAGE } from '../src/rewrite/info.js';
import { rewriteModule } from '../src/rewrite/instrument.js';

type Fn = (...a: unknown[]) => unknown;

async function rewritten(wat: string): Promise<[WebAssembly.Module, ReturnType<typeof rewriteModule>['info']]> {
  const { bytes, info } = rewriteModule(new Uint8Array(await parse(wat)));
  return [new WebAssembly.Module(new Uint8Array(bytes)), info];
}

const thrown = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('did not throw');
};

describe('CoreLinker refuses what it did not prepare', () => {
  it('a module it has no rewrite of; a memory import that is no memory of the component', async () => {
    const [module, info] = await rewritten('(module (import "env" "mem" (memory 1)))');
    const linker = new CoreLinker(new Map([[module, info]]));
    const stranger = new WebAssembly.Module(new Uint8Array(await parse('(module)')));
    const e1 = thrown(() => linker.instantiateCore(stranger, {}));
    expect(e1).toBeInstanceOf(InstantiationError);
    expect(e1.message).toBe('jco asked for a core module that wasi-rewind did not prepare');
    const e2 = thrown(() => linker.instantiateCore(module, { env: { mem: new WebAssembly.Memory({ initial: 1 }) } }));
    expect(e2).toBeInstanceOf(InstantiationError);
    expect(e2.message).toBe('memory import env.mem is not a memory of this component');
  });
});

describe('CoreLinker links a component\'s core modules', () => {
  it('a module without memory; a memory defined once and shared by its importer', async () => {
    const [plain, plainInfo] = await rewritten('(module (func (export "two") (result i32) (i32.const 2)))');
    const [definer, dInfo] = await rewritten('(module (memory (export "mem") 1 4) (func (export "size") (result i32) (memory.size)))');
    const [importer, iInfo] = await rewritten(`(module (import "env" "mem" (memory 1 4))
      (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`);
    const linker = new CoreLinker(new Map([[plain, plainInfo], [definer, dInfo], [importer, iInfo]]));
    expect((linker.instantiateCore(plain, {}).exports.two as () => number)()).toBe(2);
    const d = linker.instantiateCore(definer, {}).exports;
    const i = linker.instantiateCore(importer, { env: { mem: d.mem } }).exports as Record<string, Fn>;
    expect(linker.memories).toHaveLength(1);
    expect(linker.instances).toHaveLength(3);
    const memory = linker.memories[0]!;
    expect(memory.memory).toBe(d.mem);
    memory.snapshot();
    for (let run = 0; run < 2; run++) {
      expect(i.grow!(1)).toBe(1);
      expect((d.size as () => number)()).toBe(2);
      i.store!(PAGE + 8, 5);
      expect(memory.restore()).toBeGreaterThan(0);
      memory.verify();
      expect((d.size as () => number)()).toBe(1);
    }
  });

  it('host imports: what they write behind their last argument is rewound; an i64 last argument is no pointer', async () => {
    const [module, info] = await rewritten(`(module
      (import "env" "write" (func $write (param i32 i32)))
      (import "env" "bound" (func $bound (param i32 i32)))
      (import "env" "proxied" (func $proxied (param i32 i32)))
      (import "env" "wide" (func $wide (param i32 i64)))
      (import "env" "digits" (func $digits (param i32 i32)))
      (memory (export "memory") 2)
      (func (export "run") (param i32)
        (call $write (i32.const 7) (local.get 0))
        (call $bound (i32.const 8) (i32.add (local.get 0) (i32.const 8192)))
        (call $proxied (i32.const 9) (i32.add (local.get 0) (i32.const 16384)))
        (call $wide (i32.const 1) (i64.const 4096))
        (call $digits (i32.const 6) (i32.add (local.get 0) (i32.const 24576)))))`);
    const linker = new CoreLinker(new Map([[module, info]]));
    const bytes = () => new Uint8Array(linker.memories[0]!.memory!.buffer);
    const write = (value: number, ptr: number) => void (bytes()[ptr] = value);
    // Host functions whose toString says [native code], like wasm exports, named as wasm exports are not.
    const write1 = (value: number, ptr: number) => write(value, ptr);
    const named7 = function (value: number, ptr: number) {
      write(value, ptr);
    };
    Object.defineProperty(named7, 'name', { value: '7up' });
    // A JavaScript function named like a wasm export (digits only) is still a host function.
    const digits = (value: number, ptr: number) => write(value, ptr);
    Object.defineProperty(digits, 'name', { value: '42' });
    let wideCalls = 0;
    const { exports } = linker.instantiateCore(module, {
      env: { write, bound: write1.bind(null), proxied: new Proxy(named7, {}), wide: () => void wideCalls++, digits },
    });
    const memory = linker.memories[0]!;
    memory.snapshot();
    for (const ptr of [100, 4096 + 5, 3 * 4096 - 1, PAGE + 77]) {
      (exports.run as (p: number) => void)(ptr);
      expect([bytes()[ptr], bytes()[ptr + 8192], bytes()[ptr + 16384], bytes()[ptr + 24576]]).toEqual([7, 8, 9, 6]);
      memory.restore();
      memory.verify();
    }
    expect(wideCalls).toBe(4);
  });

  it('a call into another module\'s export is not a host write: nothing is marked', async () => {
    const fns = Array.from({ length: 12 }, (_, k) => `(func $f${k} (param i32))`).join(' ');
    const [definer, dInfo] = await rewritten(`(module (memory (export "mem") 1) ${fns} (export "f" (func $f11)))`);
    const [caller, cInfo] = await rewritten(`(module (import "env" "f" (func $f (param i32))) (import "env" "mem" (memory 1))
      (func (export "call") (param i32) (call $f (local.get 0))))`);
    const linker = new CoreLinker(new Map([[definer, dInfo], [caller, cInfo]]));
    const d = linker.instantiateCore(definer, {}).exports;
    expect((d.f as Fn).name).toMatch(/^\d{2,}$/); // a wasm export is named by its function index
    const c = linker.instantiateCore(caller, { env: { f: d.f, mem: d.mem } }).exports;
    const memory = linker.memories[0]!;
    memory.snapshot();
    (c.call as (p: number) => void)(5 * 4096);
    expect(memory.restore()).toBe(0);
  });

  it('cabi_realloc: the block it hands out is rewound once the host filled it; other exports are passed as they are', async () => {
    const [module, info] = await rewritten(`(module (memory (export "memory") 2) (global $top (mut i32) (i32.const 1024))
      (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
        (global.get $top) (global.set $top (i32.add (global.get $top) (local.get 3))))
      (func (export "other") (param i32 i32 i32 i32) (result i32) (i32.const 40000))
      (global (export "g") i32 (i32.const 1)))`);
    const linker = new CoreLinker(new Map([[module, info]]));
    const { exports } = linker.instantiateCore(module, {});
    const raw = linker.instances[0]!.exports;
    expect(exports.memory).toBe(raw.memory);
    expect(exports.g).toBe(raw.g);
    expect(exports.other).toBe(raw.other);
    expect(exports.cabi_realloc).not.toBe(raw.cabi_realloc);
    const memory = linker.memories[0]!;
    memory.snapshot();
    const bytes = () => new Uint8Array(memory.memory!.buffer);
    let top = 1024;
    for (const len of [10, 5000, 70000]) {
      const ptr = (exports.cabi_realloc as Fn)(0, 0, 1, len) as number;
      expect(ptr).toBe(top);
      top += len;
      bytes().fill(3, ptr, ptr + len);
      memory.restore();
      memory.verify();
    }
  });
});
