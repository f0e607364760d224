// Resource handle numbers are guest-visible state: a component sees them as
// plain i32s. handles.wat prints every handle it receives (stdio streams, a
// dropped and re-taken stream, preopened directories, twice) and leaves most
// of them open; a reused instance must print what a fresh one prints, run
// after run, which only holds if the glue's handle tables and counters are
// rewound (observed through output, not through the glue's internals).
import { describe, expect, it } from 'vitest';
import { ReusableInstance, type CreateOptions } from '../src/index.js';
import { observed } from './helpers.js';

const handles = new URL('./fixtures/build/handles.wasm', import.meta.url).pathname;

async function freshRun(options: CreateOptions) {
  const inst = await ReusableInstance.create(handles, { ...options, strategy: 'reinstantiate' });
  return observed(await inst.run());
}

describe('resource handle numbers seen by the guest', () => {
  it.each([
    ['no preopens', {}],
    ['two preopens', { dirs: { '/a': {}, '/b': { 'x.txt': 'x' } } }],
  ] as [string, CreateOptions][])('%s: every run on a reused instance prints the handles a fresh instance prints', async (_name, options) => {
    const reference = await freshRun(options);
    // The fixture works: it printed numbers, and a fresh instance is deterministic.
    expect(reference.exitCode).toBe(0);
    expect(reference.stdout).toMatch(/^stdin=\d+ stdout=\d+ stderr=\d+ again=\d+ dirs=\d+ (dir=\d+ )?list=\d+( dir2=\d+)?\n$/);
    expect(await freshRun(options)).toEqual(reference);
    const inst = await ReusableInstance.create(handles, options);
    for (let k = 1; k <= 20; k++) expect(observed(await inst.run()), `run ${k}`).toEqual(reference);
  });

  it('without a reset the handles keep counting up (what the comparison above would catch)', async () => {
    const options = { dirs: { '/a': {} } };
    const reference = await freshRun(options);
    const inst = await ReusableInstance.create(handles, { ...options, strategy: 'none' });
    expect(observed(await inst.run())).toEqual(reference);
    const second = observed(await inst.run());
    expect(second.exitCode).toBe(0); // no run-once guard: the second run completes
    expect(second.stdout).not.toBe(reference.stdout);
    // The guest's output buffer is not rewound either: the second run's line comes last.
    const number = (s: string, key: string) => Number(new RegExp(`\\b${key}=(\\d+)[^\\n]*\\n$`).exec(s)![1]);
    expect(number(second.stdout, 'stdout')).toBeGreaterThan(number(reference.stdout, 'stdout'));
    expect(number(second.stdout, 'dir')).toBeGreaterThan(number(reference.stdout, 'dir'));
  });
});
