// Garbage collection must not run guest code: jco's glue would call a
// resource's destructor from a FinalizationRegistry when JS lets go of the
// object, at a moment only the collector decides (src/reactor/finalizers.ts).
// Here resources are dropped on the floor, the instance is rewound, and the
// collector runs: the next calls must still equal a fresh instance's, and
// nothing may throw outside a call. With jco's own registries this file
// fails: a finalizer removes a handle the rewind already took back and throws
// `unknown handle index` outside any call (an unhandled error: in a plain
// Node host, the end of the process).
import { describe, expect, it } from 'vitest';
import { ReusableInstance, type CallResult } from '../src/index.js';

const TRANSFORM = new URL('./fixtures/build/js-transform.wasm', import.meta.url).pathname;
const ctor = 'wasi-rewind:js-fixtures/transformer#[constructor]counter';
const gc = (globalThis as { gc?: () => void }).gc!;

const observed = (r: CallResult) => ({ value: r.value, trap: r.trap?.message, stdout: r.stdout.toString(), stderr: r.stderr.toString() });

async function collect() {
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('garbage collection of returned resources', () => {
  it('runs no guest code: calls after a rewind and a collection equal a fresh instance', async () => {
    expect(typeof gc).toBe('function');
    const fresh = observed((await ReusableInstance.create(TRANSFORM, { strategy: 'reinstantiate' })).call('transform', ['b']));
    const inst = await ReusableInstance.create(TRANSFORM);
    for (let i = 0; i < 20; i++) inst.call(ctor, [i]); // each rewinds, the previous counter is dropped
    inst.call('transform', ['a']);
    await collect();
    expect(observed(inst.call('transform', ['b']))).toEqual(fresh);
  });

  it("under 'never', a dropped counter's handle is not freed behind the guest's back", async () => {
    const inst = await ReusableInstance.create(TRANSFORM, { reset: 'never' });
    const handleOf = (v: unknown) => {
      const sym = Object.getOwnPropertySymbols(v as object).find((s) => s.description === 'handle')!;
      return (v as Record<symbol, number>)[sym]!;
    };
    const handles = new Set<number>();
    for (let i = 0; i < 5; i++) handles.add(handleOf(inst.call(ctor, [i]).value));
    await collect();
    // A finalizer would have freed those handles for reuse by the next counters.
    for (let i = 0; i < 5; i++) handles.add(handleOf(inst.call(ctor, [i]).value));
    expect(handles.size).toBe(10);
  });
});
