// Lean exports: jco 1.35 wraps every export call in a task of its WASI 0.3
// machinery: an AsyncTask (two promises, a resource scope, an entry in the
// component's task list), the component's exclusive lock, and the "current
// task" records that `_withGlobalCurrentTaskMeta` sets around the call. Only
// code that looks the current task up reads any of that: the unpatched
// lowering of an import, the JSPI wrappers, the async builtins. After
// lean.ts, a component whose core instances can reach none of them (checked
// below, from every function its core instances import) has no reader, and
// a sync export of a sync function then needs of its task only what the
// wrapper itself does with it. For exactly those wrappers, and only in the
// shape checked below, the task becomes a stand-in that keeps no books
// (resolve/exit/reject have no effect; mayBlock is false, as a sync task's
// is before it resolves) and the current-task wrappers become plain calls.
// Everything else the wrapper does stays: the may-leave flag, the trap
// check before the call, lifting and lowering, marking the component
// trapped when the call throws. Borrowed handles are not an issue: a
// wrapper that lends handles asks its task for a resource scope, which the
// stand-in does not have, so that wrapper keeps jco's code.
import * as walk from 'acorn-walk';
import { declaresLiteral, instantiateOf, isLiteral, objectProps, parseGlue, type Node } from './ast.js';
import { applyEdits, type Edit } from './edits.js';

const EXPORT_TASK = '_rewindLeanExportTask';
const EXPORT_TASK_DECL = `const ${EXPORT_TASK} = Object.freeze({ setCalleeIsAsync() {}, enterSync() { return true; }, mayBlock() { return false; },`
  + ' setReturnMemoryIdx() {}, setReturnMemory() {}, resolve() {}, exit() {}, setErrored() {}, reject() {},'
  + ' isResolvedState() { return true; }, isExited() { return true; } });\n';
/** The calls a lean wrapper may make on its task (the stand-in's methods; id and componentIdx only in the removed wrappers' arguments). */
const EXPORT_TASK_METHODS = new Set(['setCalleeIsAsync', 'enterSync', 'mayBlock', 'setReturnMemoryIdx', 'setReturnMemory', 'resolve', 'exit', 'setErrored', 'reject', 'isResolvedState', 'isExited']);

/** What reads or keeps the current task: code that reaches any of these must run under jco's own task. */
const TASK_STATE = new Set([
  'getCurrentTask', 'clearCurrentTask', '_getGlobalCurrentTaskMeta', '_setGlobalCurrentTaskMeta', '_clearCurrentTask',
  'CURRENT_TASK_META', 'ASYNC_TASKS_BY_COMPONENT_IDX', 'ASYNC_CURRENT_TASK_IDS', 'ASYNC_CURRENT_COMPONENT_IDXS',
  'createNewCurrentTask', '_withGlobalCurrentTaskMeta', '_withGlobalCurrentTaskMetaAsync',
  '_lowerImportBackwardsCompat', '_suspendingImport', 'AsyncTask', 'AsyncSubtask',
]);

export interface LeanExportResult {
  source: string;
  /** Export wrappers that run without a task. */
  exports: number;
}

/** Makes the export wrappers of `source` (glue already made lean by lean.ts) lean where that is safe. */
export function leanExports(source: string): LeanExportResult {
  const ast = parseGlue(source);
  const instantiate = instantiateOf(ast);
  if (!instantiate || /\.manuallyAsync\s*=[^=]/.test(source)) return { source, exports: 0 };
  // Wrappers are functions (`run`), resource constructors and methods (`Counter.prototype.tick = function tick() {...}`).
  const wrappers: { fn: Node; edits: Edit[]; skip: Set<Node> }[] = [];
  walk.full(instantiate, (fn: Node) => {
    const lean = fn.type === 'FunctionDeclaration' || fn.type === 'FunctionExpression' ? leanWrapper(fn) : null;
    if (lean) wrappers.push({ fn, ...lean });
  });
  const cores: Node[] = [];
  walk.simple(instantiate, {
    CallExpression(call: Node) {
      if (call.callee.type === 'Identifier' && call.callee.name === 'instantiateCore' && call.arguments[1]) cores.push(call.arguments[1]);
    },
  });
  // Reach is judged on the code as it will be, every candidate lean. A candidate that still reaches
  // the task state does so through code that stays, so whatever reaches it is refused with it.
  const reach = new Reach(ast, new Set(wrappers.flatMap((w) => [...w.skip])));
  if (!cores.every((imports) => reach.clean(imports))) return { source, exports: 0 };
  const lean = wrappers.filter((w) => reach.clean(w.fn.body));
  if (lean.length === 0) return { source, exports: 0 };
  const edits = lean.flatMap((w) => w.edits);
  edits.push({ at: instantiate.body.start + 1, end: instantiate.body.start + 1, text: `\n  ${EXPORT_TASK_DECL}` });
  return { source: applyEdits(source, edits), exports: lean.length };
}

/**
 * An export wrapper: `const hostProvided = false`, one
 * `const [task, id] = createNewCurrentTask({...})` statement making a sync
 * task of a sync export (componentIdx >= 0, isAsync and isManualAsync false,
 * callingWasmExport true) whose `id` is not used, calls on `task` only from
 * EXPORT_TASK_METHODS, and `_withGlobalCurrentTaskMeta({ taskID: task.id(),
 * componentIdx: task.componentIdx(), fn })` wrappers. Returns the edits
 * (stand-in task, wrappers become `fn()`) and the nodes they remove, else null.
 */
function leanWrapper(fn: Node): { edits: Edit[]; skip: Set<Node> } | null {
  if (fn.body.type !== 'BlockStatement') return null;
  const body = fn.body.body as Node[];
  const hostProvided = declaresLiteral(body, 'hostProvided', false);
  const creation = body.filter((s) => s.type === 'VariableDeclaration' && s.declarations.length === 1
    && s.declarations[0].init?.type === 'CallExpression' && s.declarations[0].init.callee.name === 'createNewCurrentTask');
  if (!hostProvided || creation.length !== 1) return null;
  const decl = creation[0]!;
  const { id, init } = decl.declarations[0];
  const [task, taskId] = id.type === 'ArrayPattern' ? id.elements : [];
  if (task?.type !== 'Identifier' || task.name !== 'task' || taskId?.type !== 'Identifier' || id.elements.length !== 2) return null;
  const o = objectProps(init.arguments[0]);
  const idx = o.get('componentIdx');
  if (idx?.type !== 'Literal' || typeof idx.value !== 'number' || idx.value < 0) return null;
  if (!isLiteral(o.get('isAsync'), false) || !isLiteral(o.get('isManualAsync'), false) || !isLiteral(o.get('callingWasmExport'), true)) return null;
  const skip = new Set<Node>([decl]);
  const edits: Edit[] = [{ at: decl.start, end: decl.end, text: `const task = ${EXPORT_TASK};` }];
  let ok = true;
  walk.simple(fn.body, {
    CallExpression(call: Node) {
      if (call.callee.type !== 'Identifier' || call.callee.name !== '_withGlobalCurrentTaskMeta') return;
      const args = objectProps(call.arguments[0]);
      const f = args.get('fn');
      const taskID = args.get('taskID');
      const component = args.get('componentIdx');
      if (call.arguments.length !== 1 || args.size !== 3 || !isTaskCall(taskID, 'id') || !isTaskCall(component, 'componentIdx')
        || f?.type !== 'ArrowFunctionExpression' || f.params.length !== 0) {
        ok = false;
        return;
      }
      skip.add(call.callee).add(taskID!).add(component!);
      edits.push({ at: call.start, end: f.start, text: '(' }, { at: f.end, end: call.end, text: ')()' });
    },
  });
  // Every other use of `task` is a call of a stand-in method; the task id is not used.
  walk.ancestor(fn.body, {
    Identifier(node: Node, _state: unknown, ancestors: Node[]) {
      if (ancestors.some((a) => skip.has(a))) return;
      const parent = ancestors[ancestors.length - 2]!;
      if (parent.type === 'MemberExpression' && parent.property === node && !parent.computed) return;
      if (parent.type === 'Property' && parent.key === node && !parent.computed) return;
      if (node.name === taskId.name) ok = false;
      if (node.name !== 'task') return;
      const call = ancestors[ancestors.length - 3];
      const method = parent.type === 'MemberExpression' && parent.object === node && !parent.computed ? parent.property.name : null;
      ok &&= call?.type === 'CallExpression' && call.callee === parent && method !== null && EXPORT_TASK_METHODS.has(method);
    },
  });
  return ok ? { edits, skip } : null;
}

function isTaskCall(n: Node | undefined, method: string): boolean {
  return n?.type === 'CallExpression' && n.arguments.length === 0 && n.callee.type === 'MemberExpression'
    && n.callee.object.type === 'Identifier' && n.callee.object.name === 'task' && n.callee.property.name === method;
}

/**
 * What code can reach. A name resolves through the scopes around its use
 * (function scopes; block scopes are merged into them, which can only add
 * reach) to what was bound to it: a function or class declaration, a
 * variable's initializer, the value of every assignment to it; each is then
 * walked too (in the scope it was written in). A function written inline (an
 * argument, a callback) counts as run; one bound to a name only when the name
 * is used. `X.manuallyAsync ? a : b` only reaches b: no glue sets
 * `manuallyAsync` (leanExports checks), so a never runs.
 */
class Reach {
  /** Per scope (the program or a function): its bindings, each to what using it can run. */
  private readonly bindings = new Map<Node, Map<string, Node[]>>();
  private readonly parent = new Map<Node, Node | null>();
  /** Scope each bound value was written in. */
  private readonly home = new Map<Node, Node>();
  private readonly tainted = new Map<Node, boolean>();

  /** `removed`: code that will not be there. */
  constructor(ast: Node, private readonly removed: Set<Node>) {
    const assignments: { name: string; value: Node; scope: Node }[] = [];
    this.declare(ast, null, assignments);
    for (const { name, value, scope } of assignments) {
      const values = this.lookup(name, scope);
      if (!values) continue; // a global of the JavaScript environment
      values.push(value);
      this.home.set(value, scope);
    }
  }

  /** Records the bindings of `scope` and of every scope inside it; collects assignments to names. */
  private declare(scope: Node, parent: Node | null, assignments: { name: string; value: Node; scope: Node }[]): void {
    const own = new Map<string, Node[]>();
    this.bindings.set(scope, own);
    this.parent.set(scope, parent);
    const bind = (name: string, value: Node | null) => {
      const values = own.get(name) ?? [];
      own.set(name, values);
      if (!value) return;
      values.push(value);
      this.home.set(value, scope);
    };
    for (const p of scope.params ?? []) for (const name of patternNames(p)) bind(name, null);
    if (scope.type === 'FunctionExpression' && scope.id) bind(scope.id.name, scope);
    const visit = (n: Node): void => {
      if (!n || typeof n.type !== 'string') return;
      if ((n.type === 'FunctionDeclaration' || n.type === 'ClassDeclaration') && n.id) bind(n.id.name, n);
      if (n.type === 'VariableDeclarator') {
        if (n.id.type === 'Identifier') bind(n.id.name, n.init ?? null);
        else for (const name of patternNames(n.id)) bind(name, null);
      }
      if (n.type === 'AssignmentExpression' && n.left.type === 'Identifier') assignments.push({ name: n.left.name, value: n.right, scope });
      if (isScope(n)) {
        this.declare(n, scope, assignments);
        return;
      }
      for (const child of children(n)) visit(child);
    };
    for (const child of isScope(scope) && scope.type !== 'Program' ? [scope.body] : children(scope)) visit(child);
  }

  /** What is bound to `name` as seen from `scope`, or undefined for an environment global. */
  private lookup(name: string, scope: Node): Node[] | undefined {
    for (let s: Node | null | undefined = scope; s; s = this.parent.get(s)) {
      const values = this.bindings.get(s)!.get(name);
      if (values) return values;
    }
    return undefined;
  }

  /** True when nothing `node` can run reaches the task state. */
  clean(node: Node): boolean {
    return !this.walk(node, this.scopeOf(node));
  }

  private scopeOf(node: Node): Node {
    let best: Node | null = null;
    for (const scope of this.bindings.keys()) {
      if (scope.start <= node.start && node.end <= scope.end && scope !== node && (!best || scope.end - scope.start < best.end - best.start)) best = scope;
    }
    return best!;
  }

  /** Whether running `node` in `scope` can reach the task state. */
  private walk(node: Node, scope: Node): boolean {
    const visit = (n: Node, at: Node): boolean => {
      if (!n || typeof n.type !== 'string' || this.removed.has(n)) return false;
      if (n.type === 'Identifier') return this.uses(n.name, at);
      if (n.type === 'FunctionDeclaration' || n.type === 'ClassDeclaration') return false; // runs when its name is used
      if (n.type === 'VariableDeclarator') return isFunction(n.init) ? false : visit(n.init, at);
      if (n.type === 'AssignmentExpression' && n.left.type === 'Identifier' && isFunction(n.right)) return false; // as a declarator
      if (n.type === 'ConditionalExpression' && n.test.type === 'MemberExpression' && !n.test.computed && n.test.property.name === 'manuallyAsync') {
        return visit(n.test, at) || visit(n.alternate, at);
      }
      return children(n).some((c) => visit(c, isScope(n) && n !== node ? n : at));
    };
    if (isScope(node) || node.type === 'ClassDeclaration') return children(node).some((c) => visit(c, isScope(node) ? node : scope));
    return visit(node, scope);
  }

  /** Whether using `name` in `scope` can reach the task state. */
  private uses(name: string, scope: Node): boolean {
    if (TASK_STATE.has(name)) return true;
    return (this.lookup(name, scope) ?? []).some((value) => {
      const known = this.tainted.get(value);
      if (known !== undefined) return known;
      this.tainted.set(value, false); // a cycle adds nothing new
      const result = this.walk(value, this.home.get(value)!);
      this.tainted.set(value, result);
      return result;
    });
  }
}

const isScope = (n: Node) => n.type === 'Program' || n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression';

/** Child nodes of `n`, without names that are not references (property keys, member names, declared names, labels). */
function children(n: Node): Node[] {
  const out: Node[] = [];
  for (const [key, value] of Object.entries(n)) {
    if (key === 'type' || key === 'start' || key === 'end' || key === 'label') continue;
    if (key === 'property' && n.type === 'MemberExpression' && !n.computed) continue;
    if (key === 'key' && (n.type === 'Property' || n.type === 'MethodDefinition' || n.type === 'PropertyDefinition') && !n.computed) continue;
    if (key === 'id' && (n.type === 'VariableDeclarator' || n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression' || n.type === 'ClassDeclaration' || n.type === 'ClassExpression')) continue;
    if (key === 'params') {
      for (const p of value as Node[]) if (p.type === 'AssignmentPattern') out.push(p.right); // defaults run at the call
      continue;
    }
    if (Array.isArray(value)) for (const v of value) { if (v && typeof v.type === 'string') out.push(v); }
    else if (value && typeof (value as Node).type === 'string') out.push(value as Node);
  }
  return out;
}

/** Names bound by a parameter or destructuring pattern. */
function patternNames(p: Node): string[] {
  switch (p?.type) {
    case 'Identifier': return [p.name];
    case 'AssignmentPattern': return patternNames(p.left);
    case 'RestElement': return patternNames(p.argument);
    case 'ArrayPattern': return p.elements.flatMap((e: Node | null) => (e ? patternNames(e) : []));
    case 'ObjectPattern': return p.properties.flatMap((q: Node) => patternNames(q.type === 'RestElement' ? q : q.value));
    default: return [];
  }
}

const isFunction = (n: Node | null | undefined) => n?.type === 'FunctionExpression' || n?.type === 'ArrowFunctionExpression';
