// The `instantiateCore` hook handed to jco's glue. It instantiates our
// rewritten core modules synchronously, supplies the reserved `wasi-rewind`
// imports (one TrackedMemory per linear memory, with its dirty map and size
// globals shared by every module that imports it), and notes where host functions may write into guest memory:
// glue trampolines write results behind the return pointer (the last
// argument), and the glue writes into blocks from an exported `cabi_realloc`.
import { InstantiationError } from '../errors.js';
import { TrackedMemory } from '../memory/tracked-memory.js';
import { EXPORT_MEMORY, MAX_PAGES, REWIND_NS, type ModuleInfo } from '../rewrite/info.js';

export interface LinkedInstance { info: ModuleInfo; exports: WebAssembly.Exports }
type Imports = Record<string, Record<string, unknown>>;
type Fn = (...args: unknown[]) => unknown;

export class CoreLinker {
  readonly memories: TrackedMemory[] = [];
  readonly instances: LinkedInstance[] = [];
  private readonly byMemory = new WeakMap<WebAssembly.Memory, TrackedMemory>();

  /** `maps`: cleared dirty maps for the memories in order (a renewed instance takes its predecessor's). */
  constructor(
    private readonly infos: Map<WebAssembly.Module, ModuleInfo>,
    private readonly limitPages = MAX_PAGES,
    private readonly maps: readonly WebAssembly.Memory[] = [],
  ) {}

  /**
   * `hostMarksWrites`: the imports mark every byte they write themselves (the
   * native preview1 layer), so they are not wrapped to mark behind their last
   * argument.
   */
  readonly instantiateCore = (module: WebAssembly.Module, imports: Imports = {}, hostMarksWrites = false): { exports: WebAssembly.Exports } => {
    const info = this.infos.get(module);
    if (!info) throw new InstantiationError('jco asked for a core module that wasi-rewind did not prepare');
    const linked: Imports = {};
    for (const [ns, fields] of Object.entries(imports)) {
      linked[ns] = {};
      for (const [name, value] of Object.entries(fields)) linked[ns]![name] = hostMarksWrites ? value : this.watchHostWrites(value);
    }
    let memory: TrackedMemory | undefined;
    if (info.memory) {
      const imported = info.memory.imported;
      if (imported) {
        memory = this.byMemory.get(imports[imported.module]?.[imported.base] as WebAssembly.Memory);
        if (!memory) throw new InstantiationError(`memory import ${imported.module}.${imported.base} is not a memory of this component`);
        linked[REWIND_NS] = memory.imports;
      } else {
        memory = new TrackedMemory(info.memory, this.limitPages, this.maps[this.memories.length]);
        linked[REWIND_NS] = memory.definerImports;
      }
    }
    const instance = new WebAssembly.Instance(module, linked as WebAssembly.Imports);
    if (memory && !info.memory!.imported) {
      memory.attach(instance.exports, instance.exports[EXPORT_MEMORY] as WebAssembly.Memory);
      this.byMemory.set(memory.memory!, memory);
      this.memories.push(memory);
    }
    const exports: WebAssembly.Exports = { ...instance.exports };
    for (const [name, value] of Object.entries(instance.exports)) {
      if (typeof value === 'function' && name.includes('realloc')) exports[name] = this.watchRealloc(value as Fn);
    }
    this.instances.push({ info, exports: instance.exports });
    return { exports };
  };

  /**
   * The canonical ABI lets the host write into guest memory in two ways only:
   * results stored behind the return pointer, which is a lowered import's
   * last parameter, and values placed in blocks from `cabi_realloc` (see
   * watchRealloc). So the chunk the last argument points into is marked.
   */
  private watchHostWrites(value: unknown): unknown {
    if (typeof value !== 'function' || isWasmExport(value as Fn)) return value;
    const fn = value as Fn;
    const memories = this.memories;
    const watched = function (this: unknown, ...args: unknown[]) {
      const last = args[args.length - 1];
      if (typeof last === 'number') for (let i = 0; i < memories.length; i++) memories[i]!.markPointer(last);
      return fn.apply(this, args);
    };
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
