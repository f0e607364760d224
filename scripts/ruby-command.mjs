// Builds a WASI command from the ruby.wasm reactor of @ruby/3.4-wasm-wasi, so
// the unmodified CRuby build can be driven through wasi:cli/run:
//  - its JS-interop imports (rb-js-abi-host) become trapping stubs: scripts
//    that do not `require "js"` never call them; the legacy canonical-ABI
//    resource table imports become identity functions (handle == rep), which
//    is all the returned values of eval need;
//  - only `memory` and `cabi_realloc` stay exported (the component world
//    knows nothing of ruby's own API exports);
//  - `wizer.initialize` runs `_initialize`, `ruby-init(["ruby", ..., "-e_=0"])`
//    and `ruby-init-loadpath`: the expensive interpreter boot;
//  - `_start` evaluates a small bootstrap that loads $RUBY_SCRIPT (default
//    /app/main.rb) and maps exceptions and `exit` to exit codes. It calls
//    `wizer.initialize` first unless that already ran (post-init snapshot).
// Usage: node scripts/ruby-command.mjs <ruby.wasm> <out.wasm>
import { readFileSync, writeFileSync } from 'node:fs';
import binaryen from 'binaryen';

const [input, output] = process.argv.slice(2);
const m = binaryen.readBinary(readFileSync(input));
m.setFeatures(m.getFeatures() | binaryen.Features.BulkMemory | binaryen.Features.MutableGlobals);
const { i32, none } = binaryen;

// 1. Stub the non-WASI imports.
const stubs = [];
for (let i = 0; i < m.getNumFunctions(); i++) {
  const f = binaryen.getFunctionInfo(m.getFunctionByIndex(i));
  if (f.module && f.module !== 'wasi_snapshot_preview1') stubs.push(f);
}
for (const f of stubs) {
  m.removeFunction(f.name);
  const body = f.base.startsWith('resource_drop_') ? m.nop()
    : f.base.startsWith('resource_new_') || f.base.startsWith('resource_get_') ? m.local.get(0, i32)
    : m.unreachable();
  m.addFunction(f.name, f.params, f.results, [], body);
}

// 2. Keep only memory and cabi_realloc exported; remember ruby's API functions.
const api = {};
const exports = [];
for (let i = 0; i < m.getNumExports(); i++) exports.push(binaryen.getExportInfo(m.getExportByIndex(i)));
for (const e of exports) {
  api[e.name.split(':')[0]] = e.value;
  if (e.name !== 'memory' && e.name !== 'cabi_realloc') m.removeExport(e.name);
}

// 3. Helpers: write a string into memory allocated with cabi_realloc.
const bytesOf = (s) => new TextEncoder().encode(s);
// NUL-terminated too: ruby-init hands the strings to C as argv.
function allocString(local, text) {
  const bytes = bytesOf(`${text}\0`);
  return [
    m.local.set(local, m.call(api.cabi_realloc, [m.i32.const(0), m.i32.const(0), m.i32.const(1), m.i32.const(bytes.length)], i32)),
    ...[...bytes].map((b, k) => m.i32.store8(k, 1, m.local.get(local, i32), m.i32.const(b))),
  ];
}

// 4. wizer.initialize: boot the interpreter once.
m.addGlobal('ruby_booted', i32, true, m.i32.const(0));
// No stdlib in this build: leave out the default gems instead of warning.
const args = ['ruby', '--disable=gems,error_highlight,did_you_mean,syntax_suggest', '-e_=0'];
const init = [m.global.set('ruby_booted', m.i32.const(1)), m.call(api._initialize, [], none)];
init.push(m.local.set(0, m.call(api.cabi_realloc, [m.i32.const(0), m.i32.const(0), m.i32.const(4), m.i32.const(8 * args.length)], i32)));
args.forEach((arg, k) => {
  init.push(...allocString(1, arg));
  init.push(m.i32.store(8 * k, 4, m.local.get(0, i32), m.local.get(1, i32)));
  init.push(m.i32.store(8 * k + 4, 4, m.local.get(0, i32), m.i32.const(bytesOf(arg).length)));
});
init.push(m.call(api['ruby-init'], [m.local.get(0, i32), m.i32.const(args.length)], none));
init.push(m.call(api['ruby-init-loadpath'], [], none));
m.addFunction('wizer_initialize', none, none, [i32, i32], m.block(null, init));
m.addFunctionExport('wizer_initialize', 'wizer.initialize');

// 5. _start: boot if needed, then evaluate the bootstrap.
const bootstrap = [
  'begin',
  "  load(ENV.fetch('RUBY_SCRIPT', '/app/main.rb'))",
  'rescue SystemExit => e',
  '  $stdout.flush; $stderr.flush; exit!(e.status)',
  'rescue Exception => e',
  '  $stderr.puts("#{e.class}: #{e.message}"); $stdout.flush; $stderr.flush; exit!(1)',
  'end',
  '$stdout.flush; $stderr.flush',
].join("\n");
m.addFunction('_start', none, none, [i32], m.block(null, [
  m.if(m.i32.eqz(m.global.get('ruby_booted', i32)), m.call('wizer_initialize', [], none)),
  ...allocString(0, bootstrap),
  m.drop(m.call(api['rb-eval-string-protect'], [m.local.get(0, i32), m.i32.const(bytesOf(bootstrap).length)], i32)),
]));
m.addFunctionExport('_start', '_start');
if (!m.validate()) throw new Error('ruby command failed validation');
writeFileSync(output, m.emitBinary());
