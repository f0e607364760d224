// jco's instantiation-mode glue keeps its per-instance state (resource handle
// tables, capture maps, counters, task and trap bookkeeping) in local
// bindings of `instantiate` and of the generator that wires the core
// instances. We parse the glue and make it return, next to the exports, an
// accessor for each such binding, so the runtime can snapshot and restore them.
import * as walk from 'acorn-walk';
import { InstantiationError } from '../errors.js';
import { instantiateOf, parseGlue, type Node } from './ast.js';
import { applyEdits, type Edit } from './edits.js';
import { readOnlyBindings } from './fixed.js';
import { leanCopies } from './lean-copy.js';
import { leanExports } from './lean-export.js';
import { leanGlue } from './lean.js';

/** Property of the instantiated exports object that carries the accessors. */
export const GLUE_STATE_KEY = '__rewindGlueState';

export interface GlueBindings {
  get: Record<string, () => unknown>;
  set: Record<string, (value: unknown) => void>;
  /** Bindings the glue only reads (fixed.ts): nothing to restore. */
  fixed?: string[];
}

export function patchGlue(jcoSource: string): string {
  const source = leanExports(leanCopies(withoutDebugLog(leanGlue(jcoSource).source)).source).source;
  const ast = parseGlue(source);
  const instantiate = findInstantiate(ast);
  const generator = findGenerator(instantiate.body.body);
  const bindings = new Map<string, 'let' | 'const'>();
  const consts = new Map<string, Node>();
  collect(instantiate.body.body, bindings, consts);
  collect(generator.body.body, bindings, consts);
  const ret = [...generator.body.body].reverse().find((s: Node) => s.type === 'ReturnStatement') as Node | undefined;
  if (ret?.argument?.type !== 'ObjectExpression') throw new InstantiationError('unexpected jco glue shape: no exports object returned');
  const names = [...bindings.keys()];
  const getters = names.map((n) => `${n}: () => ${n}`).join(', ');
  const setters = names.filter((n) => bindings.get(n) === 'let').map((n) => `${n}: (v) => { ${n} = v; }`).join(', ');
  const fixed = JSON.stringify(readOnlyBindings(ast, consts));
  const insert = ` ${GLUE_STATE_KEY}: { get: { ${getters} }, set: { ${setters} }, fixed: ${fixed} },`;
  return applyEdits(source, [{ at: ret.argument.start + 1, end: ret.argument.start + 1, text: insert }]);
}

function findInstantiate(ast: Node): Node {
  const instantiate = instantiateOf(ast);
  if (!instantiate) throw new InstantiationError('jco glue has no exported instantiate() (was it transpiled in instantiation mode?)');
  return instantiate;
}

/**
 * jco's debug logging runs on every host call (reading process.env, a slow
 * native getter, and building the message objects, some from the task).
 * The snapshot strategy's glue drops the logging statements, and the
 * helper becomes a no-op.
 */
function withoutDebugLog(source: string): string {
  const ast = parseGlue(source);
  const edits: Edit[] = [];
  const debugLog = findDeclarator(findInstantiate(ast).body.body, '_debugLog');
  if (debugLog?.init) edits.push({ at: debugLog.init.start, end: debugLog.init.end, text: '() => {}' });
  walk.simple(ast, {
    ExpressionStatement(node: Node) {
      const call = node.expression;
      if (call.type === 'CallExpression' && call.callee.type === 'Identifier' && call.callee.name === '_debugLog') {
        edits.push({ at: node.start, end: node.end, text: ';' });
      }
    },
  });
  return applyEdits(source, edits);
}

function findDeclarator(statements: Node[], name: string): Node | undefined {
  for (const s of statements) {
    if (s.type !== 'VariableDeclaration') continue;
    for (const d of s.declarations) if (d.id.type === 'Identifier' && d.id.name === name) return d;
  }
  return undefined;
}

// jco lowers an empty string as (ptr 1, len 0) without calling realloc. The
// canonical ABI calls realloc for every string, and the preview1 adapter
// relies on it to lay out environ/args (an empty value loses its NUL and
// swallows the next variable). Both glue variants get this fix.
const EMPTY_STRING_SHORTCUT = "if (s.length === 0) { return { ptr: 1, len: 0 }; }";
const EMPTY_STRING_FIX = 'if (s.length === 0) { return { ptr: realloc(0, 0, 1, 0), len: 0 }; }';

export function fixGlue(source: string): string {
  return source.split(EMPTY_STRING_SHORTCUT).join(EMPTY_STRING_FIX);
}

function findGenerator(statements: Node[]): Node {
  for (const s of statements) {
    if (s.type !== 'VariableDeclaration') continue;
    for (const d of s.declarations) {
      const call = d.init;
      const fn = call?.type === 'CallExpression' ? call.callee : undefined;
      if (fn?.type === 'FunctionExpression' && fn.generator) return fn;
    }
  }
  throw new InstantiationError('unexpected jco glue shape: no instantiation generator found');
}

function collect(statements: Node[], into: Map<string, 'let' | 'const'>, consts: Map<string, Node>): void {
  for (const s of statements) {
    if (s.type !== 'VariableDeclaration') continue;
    for (const d of s.declarations) {
      if (d.id.type !== 'Identifier') continue; // destructured imports never change
      into.set(d.id.name, s.kind === 'const' ? 'const' : 'let');
      if (s.kind === 'const') consts.set(d.id.name, d.init);
    }
  }
}
