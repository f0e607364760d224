// Lean glue: jco 1.35 routes every lowered import call through its async
// task machinery (WASI 0.3): `_lowerImportBackwardsCompat` creates a subtask
// and a waitable in the caller's task, and the host trampoline creates a host
// task, links it to that subtask, runs the host function under
// `_withGlobalCurrentTaskMeta`, then resolves the task, which resolves the
// subtask, whose result is what the lowering returns. For a sync-lowered
// call of a sync function that chain has one observable effect besides the
// call itself: `_checkMayLeave` (a guest calling out while it may not leave
// traps). The value returned is the trampoline's own return value, results
// are written to memory by the trampoline, and a host error still marks the
// component trapped in the trampoline's catch (kept as is). So for such
// calls, and only when both ends are the shapes checked below, the lowering
// becomes "check may-leave, call the trampoline" and the trampoline runs with
// a host task that keeps no books (its now unused `createTask` is removed).
// Async lowerings, async function types and manually async imports (the
// `WebAssembly.Suspending` branch) keep jco's code. Export wrappers:
// lean-export.ts, after this.
import * as walk from 'acorn-walk';
import { declaresLiteral, instantiateOf, isLiteral, objectProps, parseGlue, within, type Node } from './ast.js';
import { applyEdits, type Edit } from './edits.js';

/** The stand-in host task: the calls a sync host trampoline makes on its task, none with an effect. */
const HOST_TASK = '_rewindLeanHostTask';
const HOST_TASK_DECL = `const ${HOST_TASK} = Object.freeze({ enterSync() { return true; }, resolve() {}, exit() {}, setErrored() {}, reject() {},`
  + ' componentIdx() { return -1; }, id() { return 0; }, getParentSubtask() { return undefined; } });\n';
/** Every method the stand-in has: a trampoline calling anything else on its task keeps jco's code. */
const HOST_TASK_METHODS = new Set(['enterSync', 'resolve', 'exit', 'setErrored', 'reject', 'componentIdx', 'id', 'getParentSubtask']);

export interface LeanResult {
  source: string;
  /** Host trampolines that run without task bookkeeping. */
  trampolines: number;
  /** Lowered imports that call their trampoline directly. */
  lowerings: number;
}

export function leanGlue(source: string): LeanResult {
  const instantiate = instantiateOf(parseGlue(source));
  if (!instantiate || !declaresFunction(instantiate, '_checkMayLeave')) return { source, trampolines: 0, lowerings: 0 };
  const edits: Edit[] = [];
  /** Lean trampoline name -> its parameter names. */
  const lean = new Map<string, string[]>();
  // The trampolines are declared in the instantiation generator, inside instantiate().
  walk.simple(instantiate, {
    VariableDeclarator(d: Node) {
      if (d.id.type !== 'Identifier' || !/^_trampoline\d+$/.test(d.id.name) || d.init?.type !== 'FunctionExpression') return;
      if (!d.init.params.every((p: Node) => p.type === 'Identifier')) return;
      const fnEdits = leanTrampoline(d.init, source);
      if (!fnEdits) return;
      edits.push(...fnEdits);
      lean.set(d.id.name, d.init.params.map((p: Node) => p.name));
    },
  });
  let lowerings = 0;
  walk.simple(instantiate, {
    ConditionalExpression(node: Node) {
      const text = leanLowering(node, lean);
      if (text === null) return;
      edits.push({ at: node.alternate.start, end: node.alternate.end, text });
      lowerings++;
    },
  });
  if (lowerings === 0) return { source, trampolines: 0, lowerings: 0 };
  edits.push({ at: instantiate.body.start + 1, end: instantiate.body.start + 1, text: `\n  ${HOST_TASK_DECL}` });
  return { source: applyEdits(source, edits), trampolines: lean.size, lowerings };
}

function declaresFunction(scope: Node, name: string): boolean {
  let found = false;
  walk.simple(scope, { FunctionDeclaration(f: Node) { found ||= f.id?.name === name; } });
  return found;
}

/**
 * A sync host trampoline has: `const hostProvided = true`, a `createTask`
 * making a host task (componentIdx -1, isAsync false), a `taskCreation:`
 * block that links it to the caller's latest subtask, and one
 * `_withGlobalCurrentTaskMeta({ ..., fn })` around the host call. The block
 * becomes `task = <stand-in>` and the wrapper becomes `fn()`. Anything else
 * (another shape, another call on `task`): null, the trampoline is kept.
 */
function leanTrampoline(fn: Node, source: string): Edit[] | null {
  const body = fn.body.body as Node[];
  const hostProvided = declaresLiteral(body, 'hostProvided', true);
  const label = body.find((s) => s.type === 'LabeledStatement' && s.label.name === 'taskCreation');
  const createTask = body.find((s) => s.type === 'VariableDeclaration' && s.declarations.some((d: Node) => d.id.name === 'createTask'));
  if (!hostProvided || !label || !createTask) return null;
  let syncHostTask = false;
  let shapeOk = true;
  const wrappers: Node[] = [];
  walk.simple(fn.body, {
    CallExpression(call: Node) {
      const callee = call.callee;
      if (callee.type === 'Identifier' && callee.name === 'createNewCurrentTask') {
        const o = objectProps(call.arguments[0]);
        syncHostTask = isNumber(o.get('componentIdx'), -1) && isLiteral(o.get('isAsync'), false);
      } else if (callee.type === 'Identifier' && callee.name === '_withGlobalCurrentTaskMeta') {
        const f = objectProps(call.arguments[0]).get('fn');
        if (f?.type !== 'ArrowFunctionExpression' || f.params.length !== 0) shapeOk = false;
        else wrappers.push(call);
      } else if (callee.type === 'MemberExpression' && callee.object.type === 'Identifier' && callee.object.name === 'task') {
        if (callee.property.type !== 'Identifier' || !HOST_TASK_METHODS.has(callee.property.name)) {
          // setParentSubtask is only called inside the block that goes away.
          if (!(callee.property.name === 'setParentSubtask' && within(call, label))) shapeOk = false;
        }
      }
    },
  });
  // createTask is called only in the block that goes away, so it goes too (lean-export.ts then sees no task made here).
  walk.simple(fn.body, {
    Identifier(id: Node) {
      if (id.name === 'createTask' && !within(id, label) && !within(id, createTask)) shapeOk = false;
    },
  });
  if (!syncHostTask || !shapeOk || wrappers.length !== 1) return null;
  const wrapper = wrappers[0]!;
  const f = objectProps(wrapper.arguments[0]).get('fn')!;
  return [
    { at: createTask.start, end: createTask.end, text: '' },
    { at: label.start, end: label.end, text: `task = ${HOST_TASK};` },
    { at: wrapper.start, end: wrapper.end, text: `(${source.slice(f.start, f.end)})()` },
  ];
}

/**
 * `_trampolineN.manuallyAsync ? new WebAssembly.Suspending(...) : _lowerImportBackwardsCompat.bind(null, {...})`
 * with isAsync false, funcTypeIsAsync false and importFn a lean trampoline:
 * the replacement for the non-suspending branch, else null.
 */
function leanLowering(node: Node, lean: Map<string, string[]>): string | null {
  const alt = node.alternate;
  if (alt?.type !== 'CallExpression' || alt.callee.type !== 'MemberExpression') return null;
  const target = alt.callee.object;
  if (target.type !== 'Identifier' || target.name !== '_lowerImportBackwardsCompat' || alt.callee.property.name !== 'bind') return null;
  const o = objectProps(alt.arguments[1]);
  const importFn = o.get('importFn');
  const componentIdx = o.get('componentIdx');
  if (importFn?.type !== 'Identifier' || !lean.has(importFn.name)) return null;
  if (!isLiteral(o.get('isAsync'), false) || !isLiteral(o.get('funcTypeIsAsync'), false)) return null;
  if (componentIdx?.type !== 'Literal' || typeof componentIdx.value !== 'number') return null;
  // The test of the conditional is `<importFn>.manuallyAsync`: this branch runs only when it is falsy.
  const test = node.test;
  if (test.type !== 'MemberExpression' || test.object.name !== importFn.name || test.property.name !== 'manuallyAsync') return null;
  const params = lean.get(importFn.name)!.join(', ');
  return `function (${params}) { _checkMayLeave(${componentIdx.value}); return ${importFn.name}(${params}); }`;
}

const isNumber = (n: Node | undefined, v: number) => isLiteral(n, v)
  || (n?.type === 'UnaryExpression' && n.operator === '-' && isLiteral(n.argument, -v));
