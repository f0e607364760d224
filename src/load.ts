// Turns user input (a path or bytes) into component bytes: a WASI 0.2
// component is taken as is; a wasip1 core module is wrapped with the
// preview1 adapter jco bundles (command or reactor, chosen by its exports).
import { readFile } from 'node:fs/promises';
import { InvalidWasmError, WrongWorldError } from './errors.js';

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

/** Component bytes for any accepted input. */
export async function toComponent(bytes: Uint8Array): Promise<Uint8Array> {
  if (wasmKind(bytes) === 'component') return bytes;
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw new InvalidWasmError(`invalid core module: ${(e as Error).message}`, { cause: e });
  }
  const exports = WebAssembly.Module.exports(module).map((e) => e.name);
  const imports = WebAssembly.Module.imports(module);
  const foreign = imports.filter((i) => i.module !== 'wasi_snapshot_preview1');
  if (foreign.length) {
    throw new WrongWorldError(`core module imports outside wasi_snapshot_preview1: ${foreign.map((i) => `${i.module}.${i.name}`).join(', ')}`);
  }
  const { componentNew, preview1AdapterCommandPath, preview1AdapterReactorPath } = await import('@bytecodealliance/jco');
  const adapter = exports.includes('_start') ? preview1AdapterCommandPath() : exports.includes('_initialize') ? preview1AdapterReactorPath() : null;
  if (!adapter) throw new WrongWorldError('core module is not a WASI command (no _start export) or reactor (no _initialize export)');
  try {
    return await componentNew(bytes, [['wasi_snapshot_preview1', await readFile(adapter)]]);
  } catch (e) {
    throw new WrongWorldError(`cannot wrap the module with the preview1 adapter: ${String((e as Error).message ?? e)}`, { cause: e });
  }
}
