// The `instantiateCore` hook handed to jco's glue. It instantiates our
// rewritten core modules synchronously, supplies the reserved `wasi-rewind`
// imports (one TrackedMemory per linear memory, shared by every module that
// imports it), and notes which host functions may write into guest memory:
// glue trampolines write results behind pointer arguments, and the glue
// writes into blocks it obtained from an exported `cabi_realloc`.
import { InstantiationError, UnsupportedModuleError } from '../errors.js';
import { TrackedMemory } from '../memory/tracked-memory.js';
import { EXPORT_MEMORY, MAX_PAGES, REWIND_NS, type ModuleInfo } from '../rewrite/info.js';

export interface LinkedInstance { info: ModuleInfo; exports: WebAssembly.Exports }
type Imports = Record<string, Record<string, unknown>>;
type Fn = (...args: unknown[]) => unknown;

export class CoreLinker {
  readonly memories: TrackedMemory[] = [];
  readonly instances: LinkedInstance[] = [];
  private readonly byMemory = new WeakMap<WebAssembly.Memory, TrackedMemory>();

  constructor(
    private readonly infos: Map<WebAssembly.Module, ModuleInfo>,
    private readonly limitPages = MAX_PAGES,
  ) {}

  readonly instantiateCore = (module: WebAssembly.Module, imports: Imports = {}): { exports: WebAssembly.Exports } => {
    const info = this.infos.get(module);
    if (!info) throw new InstantiationError('jco asked for a core module that wasi-rewind did not prepare');
    const linked: Imports = {};
    for (const [ns, fields] of Object.entries(imports)) {
      linked[ns] = {};
      for (const [name, value] of Object.entries(fields)) linked[ns]![name] = this.watchHostWrites(value);
    }
    let memory: TrackedMemory | undefined;
    if (info.memory) {
      const imported = info.memory.imported;
      if (imported) {
        memory = this.byMemory.get(imports[imported.module]?.[imported.base] as WebAssembly.Memory);
        if (!memory) throw new InstantiationError(`memory import ${imported.module}.${imported.base} is not a memory of this component`);
        if (!memory.tracked) throw new UnsupportedModuleError('a module imports a fixed-size memory, which cannot hold a dirty map');
      } else {
        memory = new TrackedMemory(info.memory, this.limitPages);
      }
      linked[REWIND_NS] = memory.imports;
    }
    const instance = new WebAssembly.Instance(module, linked as WebAssembly.Imports);
    if (memory && !info.memory!.imported) {
      memory.memory = instance.exports[EXPORT_MEMORY] as WebAssembly.Memory;
      this.byMemory.set(memory.memory, memory);
      this.memories.push(memory);
    }
    const exports: WebAssembly.Exports = { ...instance.exports };
    for (const [name, value] of Object.entries(instance.exports)) {
      if (typeof value === 'function' && name.includes('realloc')) exports[name] = this.watchRealloc(value as Fn);
    }
    this.instances.push({ info, exports: instance.exports });
    return { exports };
  };

  private watchHostWrites(value: unknown): unknown {
    if (typeof value !== 'function' || isWasmExport(value as Fn)) return value;
    const fn = value as Fn;
    const memories = this.memories;
    const mark = (arg: unknown) => {
      if (typeof arg === 'number') for (let i = 0; i < memories.length; i++) memories[i]!.markPointer(arg);
    };
    // Fixed-arity wrappers for the common shapes: a rest parameter and
    // apply() on every host call cost more than the marking itself.
    let watched: Fn;
    switch (fn.length) {
      case 1: watched = function (this: unknown, a) { mark(a); return fn.call(this, a); }; break;
      case 2: watched = function (this: unknown, a, b) { mark(a); mark(b); return fn.call(this, a, b); }; break;
      case 3: watched = function (this: unknown, a, b, c) { mark(a); mark(b); mark(c); return fn.call(this, a, b, c); }; break;
      default: watched = function (this: unknown, ...args: unknown[]) { args.forEach(mark); return fn.apply(this, args); };
    }
    return Object.assign(watched, fn);
  }

  private watchRealloc(realloc: Fn): Fn {
    const memories = this.memories;
    return (...args: unknown[]) => {
      const ptr = realloc(...args) as number;
      for (const m of memories) m.markRange(ptr, args[3] as number);
      return ptr;
    };
  }
}

function isWasmExport(fn: Fn): boolean {
  // Exported wasm functions are native and named by their function index.
  return /^\d+$/.test(fn.name) && Function.prototype.toString.call(fn).includes('[native code]');
}
