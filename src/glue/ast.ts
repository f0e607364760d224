// jco's glue as the patches read it (acorn): parsing, its instantiate()
// function, and the small shapes every patch checks.
import * as acorn from 'acorn';

export type Node = acorn.Node & Record<string, any>;

export function parseGlue(source: string): Node {
  return acorn.parse(source, { ecmaVersion: 'latest', sourceType: 'module' }) as Node;
}

/** The exported instantiate() of instantiation-mode glue, if there is one. */
export function instantiateOf(ast: Node): Node | undefined {
  return ast.body
    .map((s: Node) => s.declaration)
    .find((d: Node | undefined) => d?.type === 'FunctionDeclaration' && d.id?.name === 'instantiate') as Node | undefined;
}

/** The properties of an object literal with plain names, by name (empty for anything else). */
export function objectProps(n: Node | undefined): Map<string, Node> {
  const props = new Map<string, Node>();
  if (n?.type !== 'ObjectExpression') return props;
  for (const p of n.properties) if (p.type === 'Property' && p.key.type === 'Identifier') props.set(p.key.name, p.value);
  return props;
}

export const isLiteral = (n: Node | undefined, v: unknown) => n?.type === 'Literal' && n.value === v;

/** Whether `statements` declare `name` with the literal `value` (jco's `const hostProvided = true`). */
export const declaresLiteral = (statements: Node[], name: string, value: unknown) => statements.some((s) => s.type === 'VariableDeclaration'
  && s.declarations.some((d: Node) => d.id.name === name && isLiteral(d.init, value)));
export const within = (n: Node, outer: Node) => n.start >= outer.start && n.end <= outer.end;
