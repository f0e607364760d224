// Glue bindings that no run can change: a `const` holding an object literal
// or a `new Map(...)` that the glue source only ever reads (`X.key`,
// `X[key]`, `X.get(k)`, `X.has(k)`, `X.size`). GlueState restores every other
// container before each run; these keep their contents by construction, so
// their restore is skipped (jco's constant tables, e.g. CORE_TRAP_MESSAGES
// and ASYNC_EVENT_CODE, are read on every call). The test is conservative:
// any other use of the name anywhere (passed on, aliased, written through,
// a method call, a shadowing binding) keeps the binding restored.
import * as walk from 'acorn-walk';
import type { Node } from './ast.js';

/** Map methods that only read. */
const MAP_READS = new Set(['get', 'has']);

/** Names among `candidates` (const name -> its initialiser) that the source only reads. */
export function readOnlyBindings(ast: Node, candidates: Map<string, Node>): string[] {
  const kinds = new Map<string, 'object' | 'map'>();
  for (const [name, init] of candidates) {
    if (init?.type === 'ObjectExpression') kinds.set(name, 'object');
    else if (init?.type === 'NewExpression' && init.callee.type === 'Identifier' && init.callee.name === 'Map') kinds.set(name, 'map');
  }
  const written = new Set<string>();
  // Every binding of a name (declaration, parameter, assignment target) is a pattern: one is its own declaration.
  const patterns = new Map<string, number>();
  walk.ancestor(ast, {
    Identifier(node: Node, _state: unknown, ancestors: Node[]) {
      const kind = kinds.get(node.name);
      if (kind && !onlyReads(node, kind, ancestors)) written.add(node.name);
    },
    VariablePattern(node: Node) {
      if (kinds.has(node.name)) patterns.set(node.name, (patterns.get(node.name) ?? 0) + 1);
    },
  } as walk.AncestorVisitors<unknown>);
  return [...kinds.keys()].filter((name) => patterns.get(name) === 1 && !written.has(name));
}

/** `X.key` or `X[key]` read (not written, deleted, updated or destructured into), or a read-only Map method call. */
function onlyReads(id: Node, kind: 'object' | 'map', ancestors: Node[]): boolean {
  const member = ancestors[ancestors.length - 2];
  if (member?.type !== 'MemberExpression' || member.object !== id) return false;
  const parent = ancestors[ancestors.length - 3];
  if (!parent) return true;
  switch (parent.type) {
    case 'AssignmentExpression': return parent.left !== member;
    case 'UpdateExpression': return false;
    case 'UnaryExpression': return parent.operator !== 'delete';
    case 'CallExpression': return parent.callee !== member || (kind === 'map' && !member.computed && MAP_READS.has(member.property.name));
    case 'ForInStatement':
    case 'ForOfStatement': return parent.left !== member;
    case 'ArrayPattern':
    case 'ObjectPattern':
    case 'Property':
    case 'AssignmentPattern':
    case 'RestElement': return !isPattern(ancestors);
    default: return true;
  }
}

/** Whether the member expression sits in a destructuring target. */
function isPattern(ancestors: Node[]): boolean {
  return ancestors.some((a) => a.type === 'ArrayPattern' || a.type === 'ObjectPattern' || a.type === 'AssignmentPattern' || a.type === 'RestElement');
}
