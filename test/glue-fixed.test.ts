// Which glue bindings the restore may skip (src/glue/fixed.ts): only a const
// object or Map that the source reads and never writes, passes on or
// shadows. Each case below changes one use of an otherwise read-only binding.
import * as acorn from 'acorn';
import { describe, expect, it } from 'vitest';
import { readOnlyBindings } from '../src/glue/fixed.js';
import { patchGlue } from '../src/glue/patch.js';

type Node = acorn.Node & Record<string, any>;

function fixedIn(body: string): string[] {
  const ast = acorn.parse(`function f() { const X = { a: 1, b: 2 }; const M = new Map([[1, 2]]); const L = [1]; ${body} }`, { ecmaVersion: 'latest', sourceType: 'module' }) as Node;
  const consts = new Map<string, Node>();
  for (const d of ast.body[0].body.body.slice(0, 3).flatMap((s: Node) => s.declarations)) consts.set(d.id.name, d.init);
  return readOnlyBindings(ast, consts).sort();
}

describe('readOnlyBindings', () => {
  it('an object read by key and a Map read with get/has/size are fixed; an array never is', () => {
    expect(fixedIn('return X.a + X["b"] + M.get(1) + M.has(2) + M.size + L[0] + X?.a;')).toEqual(['M', 'X']);
  });

  it.each([
    ['X.a = 3;', 'X'], ['X.a += 1;', 'X'], ['X.a++;', 'X'], ['delete X.a;', 'X'], ['({ a: X.b } = { a: 1 });', 'X'], ['[X.a] = [1];', 'X'],
    ['for (X.a of [1]);', 'X'], ['for (X.a in {});', 'X'], ['X.toString();', 'X'], ['g(X);', 'X'], ['const y = X;', 'X'], ['return typeof X;', 'X'],
    ['function g(X) { return X.a; }', 'X'], ['{ const X = {}; X.a = 1; }', 'X'], ['return o[X];', 'X'],
    ['M.set(1, 3);', 'M'], ['M.delete(1);', 'M'], ['M.clear();', 'M'], ['M["get"](1);', 'M'], ['g(M);', 'M'], ['for (const e of M);', 'M'],
  ])('%s keeps %s restored', (body, name) => {
    const fixed = fixedIn(`return X.a + M.get(1); ${body}`);
    expect(fixed).not.toContain(name);
    expect(fixed).toContain(name === 'X' ? 'M' : 'X');
  });

  it('jco\'s glue: its constant tables are fixed and every binding a run changes is not', () => {
    const glue = `export function instantiate(getCoreModule, imports, instantiateCore) {
      const TABLE = { NONE: 0, DONE: 1 };
      const MESSAGES = new Map([['a', 'b']]);
      const STATE = { error: null };
      let count = 0;
      const gen = (function* () { const TASKS = new Map(); TASKS.set(1, TABLE.NONE); STATE.error = MESSAGES.get('a'); count++; return { run: () => count }; })();
      return gen.next().value;
    }`;
    const patched = patchGlue(glue);
    expect(JSON.parse(patched.match(/fixed: (\[[^\]]*\])/)![1]!).sort()).toEqual(['MESSAGES', 'TABLE']);
  });
});
