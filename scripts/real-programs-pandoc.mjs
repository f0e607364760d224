// Builds a WASI command from wasm-pandoc's pandoc.wasm (the official Pandoc
// build by GHC's wasm backend). That module is a reactor in practice: its
// `_start` runs an empty Haskell main; the work is done by its `convert`
// export, which takes pandoc options as JSON (the defaults-file format) and
// reads the document from the file `stdin`, writing `stdout`, `stderr` and
// `warnings` as files, all relative to "/" (the JS wrapper preopens "/").
// The new `_start` does what the package's JS wrapper does on creation and per
// conversion, with nothing else changed:
//   __wasm_call_ctors; hs_init_with_rtsopts(["pandoc"]);
//   read fd 0 (the options JSON, at most 1 MiB) into malloc'd memory;
//   convert(json, length).
// Usage: node scripts/real-programs-pandoc.mjs <pandoc.wasm> <out.wasm>
import { readFileSync, writeFileSync } from 'node:fs';
import binaryen from 'binaryen';

const [input, output] = process.argv.slice(2);
if (!input || !output) throw new Error('usage: real-programs-pandoc.mjs <pandoc.wasm> <out.wasm>');
const m = binaryen.readBinary(readFileSync(input));
const { i32, none } = binaryen;

const api = {};
for (let i = 0; i < m.getNumExports(); i++) {
  const e = binaryen.getExportInfo(m.getExportByIndex(i));
  api[e.name] = e.value;
}
let fdRead;
for (let i = 0; i < m.getNumFunctions(); i++) {
  const f = binaryen.getFunctionInfo(m.getFunctionByIndex(i));
  if (f.module === 'wasi_snapshot_preview1' && f.base === 'fd_read') fdRead = f.name;
}
for (const name of ['__wasm_call_ctors', 'hs_init_with_rtsopts', 'malloc', 'convert', '_start']) {
  if (!api[name]) throw new Error(`pandoc.wasm has no export ${name}`);
}
if (!fdRead) throw new Error('pandoc.wasm does not import fd_read');

const CAP = 1 << 20;
const [argv, argc, argvp, buf, len, iov, n] = [0, 1, 2, 3, 4, 5, 6];
const get = (l) => m.local.get(l, i32);
const malloc = (local, bytes) => m.local.set(local, m.call(api.malloc, [m.i32.const(bytes)], i32));
const store = (ptr, offset, value) => m.i32.store(offset, 4, ptr, value);
const name = [...new TextEncoder().encode('pandoc\0')];
/** A call of an export whose result (if any) is dropped. */
function run(fn, args) {
  const { results } = binaryen.getFunctionInfo(m.getFunction(fn));
  const call = m.call(fn, args, results);
  return results === none ? call : m.drop(call);
}

const body = [
  run(api.__wasm_call_ctors, []),
  // argv = ["pandoc", NULL]; hs_init_with_rtsopts(&argc, &argv).
  malloc(argv, 8 + name.length),
  ...name.map((b, k) => m.i32.store8(8 + k, 1, get(argv), m.i32.const(b))),
  store(get(argv), 0, m.i32.add(get(argv), m.i32.const(8))),
  store(get(argv), 4, m.i32.const(0)),
  malloc(argc, 4),
  store(get(argc), 0, m.i32.const(1)),
  malloc(argvp, 4),
  store(get(argvp), 0, get(argv)),
  run(api.hs_init_with_rtsopts, [get(argc), get(argvp)]),
  // The options JSON from stdin.
  malloc(buf, CAP),
  malloc(iov, 12),
  m.local.set(len, m.i32.const(0)),
  m.block('done', [
    m.loop('more', m.block(null, [
      store(get(iov), 0, m.i32.add(get(buf), get(len))),
      store(get(iov), 4, m.i32.sub(m.i32.const(CAP), get(len))),
      m.br('done', m.call(fdRead, [m.i32.const(0), get(iov), m.i32.const(1), m.i32.add(get(iov), m.i32.const(8))], i32)),
      m.local.set(n, m.i32.load(8, 4, get(iov))),
      m.br('done', m.i32.eqz(get(n))),
      m.local.set(len, m.i32.add(get(len), get(n))),
      m.br('more', m.i32.lt_u(get(len), m.i32.const(CAP))),
    ])),
  ]),
  run(api.convert, [get(buf), get(len)]),
];
m.removeExport('_start');
m.addFunction('pandoc_command_start', none, none, [i32, i32, i32, i32, i32, i32, i32], m.block(null, body));
m.addFunctionExport('pandoc_command_start', '_start');
if (!m.validate()) throw new Error('pandoc command failed validation');
writeFileSync(output, m.emitBinary());
