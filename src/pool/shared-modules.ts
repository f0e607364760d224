// Compiled modules by content hash, per thread. A pool compiles a program's
// modules once in its own thread and hands the WebAssembly.Module objects to
// its workers (structured clone shares the compiled code within a process),
// which then find them here instead of compiling the bytes again.
import { createHash } from 'node:crypto';

const modules = new Map<string, WebAssembly.Module>();

const keyOf = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The compiled module for these bytes: one already compiled in this thread (or handed over), or a new one. */
export function compileModule(bytes: Uint8Array): WebAssembly.Module {
  const key = keyOf(bytes);
  let module = modules.get(key);
  if (!module) {
    module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
    modules.set(key, module);
  }
  return module;
}

/** compileModule, compiling off the main thread's critical path when the module is new. */
export async function compileModuleAsync(bytes: Uint8Array): Promise<WebAssembly.Module> {
  const key = keyOf(bytes);
  let module = modules.get(key);
  if (!module) {
    module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
    modules.set(key, module);
  }
  return module;
}

/** Every module compiled or adopted in this thread, for handing to workers. */
export function sharedModules(): [string, WebAssembly.Module][] {
  return [...modules];
}

/** Modules compiled in another thread of this process (trusted: the pool that started this worker). */
export function adoptModules(entries: readonly [string, WebAssembly.Module][]): void {
  for (const [key, module] of entries) if (!modules.has(key)) modules.set(key, module);
}
