// Turns user input (a path or bytes) into what prepare() works on: a WASI
// 0.2 component is taken as is; a wasip1 core module is checked here (only
// wasi_snapshot_preview1 imports, memories wasi-rewind can virtualise) and
// either run natively (src/preview1) or wrapped with the preview1 adapter
// jco bundles (command or reactor, chosen by its exports).
import { readFile } from 'node:fs/promises';
import { InvalidWasmError, UnsupportedModuleError, WrongWorldError } from './errors.js';
import { compileModuleAsync } from './pool/shared-modules.js';
import { activeData, hasStart } from './rewrite/sections.js';

const MAGIC = [0x00, 0x61, 0x73, 0x6d];

export type WasmKind = 'component' | 'core';

export function wasmKind(bytes: Uint8Array): WasmKind {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new InvalidWasmError(bytes.length === 0 ? 'empty input: expected a WebAssembly module or component' : 'not WebAssembly: missing the \\0asm header');
  }
  const layer = bytes[6]! | (bytes[7]! << 8);
  if (layer === 1) return 'component';
  if (layer === 0 && bytes[4] === 1) return 'core';
  throw new InvalidWasmError(`unknown WebAssembly binary version/layer (${[...bytes.subarray(4, 8)].join(' ')})`);
}

export async function readInput(input: string | Uint8Array): Promise<Uint8Array> {
  if (typeof input !== 'string') return input;
  try {
    return new Uint8Array(await readFile(input));
  } catch (e) {
    throw new InvalidWasmError(`cannot read ${input}: ${(e as Error).message}`, { cause: e });
  }
}

export interface CoreModule {
  module: WebAssembly.Module;
  /** 'command' exports _start, 'reactor' _initialize. */
  role: 'command' | 'reactor';
  /** wasi_snapshot_preview1 functions it imports. */
  imports: string[];
  /** It names a start function. */
  start: boolean;
  /** The byte ranges its active data segments write (sections.ts activeData). */
  data: [number, number][] | null;
}

/** Compiles and checks a wasip1 core module. */
export async function inspectCore(bytes: Uint8Array): Promise<CoreModule> {
  checkMemories(bytes);
  let module: WebAssembly.Module;
  try {
    module = await compileModuleAsync(bytes);
  } catch (e) {
    throw new InvalidWasmError(`invalid core module: ${(e as Error).message}`, { cause: e });
  }
  const exports = WebAssembly.Module.exports(module).map((e) => e.name);
  const imports = WebAssembly.Module.imports(module);
  const foreign = imports.filter((i) => i.module !== 'wasi_snapshot_preview1');
  if (foreign.length) {
    throw new WrongWorldError(`core module imports outside wasi_snapshot_preview1: ${foreign.map((i) => `${i.module}.${i.name}`).join(', ')}`);
  }
  const role = exports.includes('_start') ? 'command' : exports.includes('_initialize') ? 'reactor' : null;
  if (!role) throw new WrongWorldError('core module is not a WASI command (no _start export) or reactor (no _initialize export)');
  return { module, role, imports: imports.map((i) => i.name), start: hasStart(bytes), data: activeData(bytes) };
}

/** WASI 0.3 (wasip3) interfaces among a component's imports: a world wasi-rewind does not serve. */
export function checkWasiVersion(imports: string[]): void {
  const p3 = imports.filter((name) => /^wasi:[^/]+\/[^@]+@0\.3\b/.test(name));
  if (p3.length) throw new WrongWorldError(`the component imports WASI 0.3 interfaces, which wasi-rewind does not provide (it serves WASI 0.2): ${p3.join(', ')}`);
}

/**
 * Rejects memory64 and shared memories (defined or imported) before anything
 * else looks at the module: the rewriter virtualises 32-bit unshared memories
 * only. Reads the import (2) and memory (5) sections' limits flags.
 */
export function checkMemories(bytes: Uint8Array): void {
  const r = new Reader(bytes, 8);
  try {
    while (r.pos < bytes.length) {
      const id = r.byte();
      const size = r.u32();
      const end = r.pos + size;
      if (id === 2) {
        for (let n = r.u32(); n > 0; n--) {
          r.name();
          r.name();
          const kind = r.byte();
          if (kind === 0x00) r.u32();
          else if (kind === 0x01) { r.refType(); r.limits(); }
          else if (kind === 0x02) memoryLimits(r.limits());
          else if (kind === 0x03) { r.valType(); r.byte(); }
          else if (kind === 0x04) { r.byte(); r.u32(); }
          else return; // unknown import kind: leave it to the compiler
        }
      } else if (id === 5) {
        for (let n = r.u32(); n > 0; n--) memoryLimits(r.limits());
      }
      r.pos = end;
      if (id === 5) return; // no memory-related section follows
    }
  } catch (e) {
    if (e instanceof UnsupportedModuleError) throw e;
    // A malformed module: WebAssembly.compile reports it precisely.
  }
}

function memoryLimits(flags: number): void {
  if (flags & 0x04) throw new UnsupportedModuleError('the module has a memory64 (64-bit) memory: wasi-rewind virtualises 32-bit memories only');
  if (flags & 0x02) throw new UnsupportedModuleError('the module has a shared memory (threads): wasi-rewind cannot rewind memory other threads may write');
}

class Reader {
  constructor(private readonly b: Uint8Array, public pos: number) {}
  byte(): number {
    if (this.pos >= this.b.length) throw new RangeError('truncated');
    return this.b[this.pos++]!;
  }
  /** Any unsigned LEB128 (u32 or u64 limits); large values lose precision, which is fine for skipping. */
  u32(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      scale *= 128;
      if (!(b & 0x80)) return result;
    }
    throw new RangeError('bad LEB128');
  }
  name(): void {
    const len = this.u32();
    this.pos += len;
  }
  /** Returns the limits flags after skipping min (and max). */
  limits(): number {
    const flags = this.byte();
    this.u32();
    if (flags & 0x01) this.u32();
    return flags;
  }
  refType(): void {
    const t = this.byte();
    if (t === 0x63 || t === 0x64) this.u32(); // (ref null? heaptype): heap type as s33, skipped as LEB
  }
  valType(): void {
    this.refType();
  }
}

/** Component bytes for any accepted input. */
export async function toComponent(bytes: Uint8Array): Promise<Uint8Array> {
  if (wasmKind(bytes) === 'component') return bytes;
  const { role } = await inspectCore(bytes);
  const { componentNew, preview1AdapterCommandPath, preview1AdapterReactorPath } = await import('@bytecodealliance/jco');
  const adapter = role === 'command' ? preview1AdapterCommandPath() : preview1AdapterReactorPath();
  try {
    return await componentNew(bytes, [['wasi_snapshot_preview1', await readFile(adapter)]]);
  } catch (e) {
    throw new WrongWorldError(`cannot wrap the module with the preview1 adapter: ${String((e as Error).message ?? e)}`, { cause: e });
  }
}
