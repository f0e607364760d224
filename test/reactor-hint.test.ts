// The reuse hint (specs/wit/reuse.wit): reactor-hint.wat asks for every(2).
// Its `count` says how many calls the instance has seen since it was made
// (or rewound), and `policy` counts too, so these tests see both the policy
// applied and that the host's own call of the hint left no trace.
import { readFileSync } from 'node:fs';
import { componentEmbed, componentNew, transpile } from '@bytecodealliance/jco';
import { describe, expect, it } from 'vitest';
import { ReusableInstance, type CreateOptions } from '../src/index.js';

const HINT = new URL('./fixtures/build/reactor-hint.wasm', import.meta.url).pathname;

async function counts(options: CreateOptions, calls = 5) {
  const inst = await ReusableInstance.create(HINT, options);
  return { policy: inst.policy, counts: Array.from({ length: calls }, () => inst.call('count', []).value) };
}

describe('reuse hint', () => {
  it('is honoured when no reset option is given, and is not itself callable', async () => {
    const inst = await ReusableInstance.create(HINT);
    expect(inst.exportNames()).toEqual(['count']);
    expect(() => inst.call('wasi-rewind:reuse/hint@0.1.0#policy', [])).toThrow(expect.objectContaining({ code: 'UNKNOWN_EXPORT' }));
    expect(await counts({})).toEqual({ policy: { every: 2 }, counts: [1, 2, 1, 2, 1] });
  });

  it('the first call equals a fresh instance that never heard the hint (reinstantiate applies it too)', async () => {
    expect(await counts({ strategy: 'reinstantiate' })).toEqual({ policy: { every: 2 }, counts: [1, 2, 1, 2, 1] });
  });

  it.each<[string, CreateOptions, unknown[]]>([
    ['always', { reset: 'always' }, [1, 1, 1, 1, 1]],
    ['never', { reset: 'never' }, [1, 2, 3, 4, 5]],
    ['every 3', { reset: { every: 3 } }, [1, 2, 3, 1, 2]],
  ])('the reset option overrides it (%s)', async (_, options, expected) => {
    expect((await counts(options)).counts).toEqual(expected);
  });

  it('is not asked under strategy none (nothing is rewound there)', async () => {
    expect(await counts({ strategy: 'none' }, 3)).toEqual({ policy: 'always', counts: [1, 2, 3] });
  });
});

describe('specs/wit/reuse.wit', () => {
  const wit = readFileSync(new URL('../specs/wit/reuse.wit', import.meta.url), 'utf8');
  // A world with something to call besides the hint (the hint alone is nothing to call).
  const withFunction = `${wit}\nworld reusable-with-f {\n  include reusable;\n  export f: func() -> u32;\n}\n`;

  it('is valid WIT; the fixture exports its interface with the same type', async () => {
    const core = await componentEmbed({ witSource: wit, dummy: true, world: 'reusable' });
    const { exports } = await transpile(await componentNew(core), { name: 'c', instantiation: 'sync' });
    expect(exports.map(([name]) => name).filter((n) => n.includes(':'))).toEqual(['wasi-rewind:reuse/hint@0.1.0']);
    // The WAT fixture spells the same variant: same cases, same order, same payload.
    const witCases = /variant reset-policy \{([^}]*)\}/.exec(wit)![1]!.replace(/\/\/\/[^\n]*|\s+/g, '').split(',').filter(Boolean);
    expect(witCases).toEqual(['always', 'never', 'on-trap', 'every(u32)']);
    const wat = readFileSync(new URL('./fixtures/wat/reactor-hint.wat', import.meta.url), 'utf8');
    const watCases = [.../\(type \$policy-t \(variant ((?:\(case [^)]*\)\s*)+)\)\)/.exec(wat)![1]!.matchAll(/\(case "([^"]+)"(?: (\w+))?\)/g)].map(([, n, t]) => (t ? `${n}(${t})` : n));
    expect(watCases).toEqual(witCases);
  });

  it('a component with only the hint has nothing to call -> WrongWorldError', async () => {
    const only = await componentNew(await componentEmbed({ witSource: wit, dummy: true, world: 'reusable' }));
    await expect(ReusableInstance.create(only)).rejects.toMatchObject({ code: 'WRONG_WORLD' });
  });

  it("a hint that traps gives 'always' and a warning", async () => {
    // wasm-tools' dummy functions trap (unreachable).
    const bytes = await componentNew(await componentEmbed({ witSource: withFunction, dummy: true, world: 'reusable-with-f' }));
    const inst = await ReusableInstance.create(bytes);
    expect(inst.policy).toBe('always');
    expect(inst.warnings.join('\n')).toMatch(/reuse hint .* failed or returned no valid policy/);
    expect(inst.exportNames()).toEqual(['f']);
  });
});
