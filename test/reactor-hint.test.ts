// The reuse hint (specs/wit/reuse.wit): reactor-hint.wat asks for every(2).
// Its `count` says how many calls the instance has seen since it was made
// (or rewound), and `policy` counts too, so these tests see both the policy
// applied and that the host's own call of the hint left no trace.
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
