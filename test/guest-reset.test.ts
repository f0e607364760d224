// Strategy `guest`: the component's own wasi-rewind:reset/reset export
// (specs/wit/reset.wit) rewinds it instead of a host snapshot.
import { readFileSync } from 'node:fs';
import { componentEmbed, componentNew, transpile } from '@bytecodealliance/jco';
import { describe, expect, it } from 'vitest';
import { ReusableInstance, WrongWorldError } from '../src/index.js';
import { fixture, observed } from './helpers.js';

const component = new URL('./fixtures/build/guest-reset.wasm', import.meta.url).pathname;

describe('guest strategy (cooperative reset)', () => {
  it('without any reset the guest-reset component fails from its second run', async () => {
    const inst = await ReusableInstance.create(component, { strategy: 'none' });
    expect((await inst.run()).exitCode).toBe(0);
    expect((await inst.run()).exitCode).toBe(1);
  });

  const freshResult = async () => observed(await (await ReusableInstance.create(component, { strategy: 'reinstantiate' })).run());

  it("calls the guest's reset between runs, so every run equals a fresh instance's", async () => {
    const reference = await freshResult();
    expect(reference).toEqual({ exitCode: 0, stdout: '', stderr: '', trap: undefined });
    const inst = await ReusableInstance.create(component, { strategy: 'guest' });
    for (let k = 1; k <= 100; k++) expect(observed(await inst.run()), `run ${k}`).toEqual(reference);
  });

  it('the host snapshot gives the same result on the same component', async () => {
    const reference = await freshResult();
    const inst = await ReusableInstance.create(component);
    for (let k = 1; k <= 100; k++) expect(observed(await inst.run()), `run ${k}`).toEqual(reference);
  });

  it('is refused for a component without the reset export', async () => {
    await expect(ReusableInstance.create(fixture('hello'), { strategy: 'guest' })).rejects.toThrow(WrongWorldError);
  });

  it('specs/wit/reset.wit is valid WIT whose worlds export the interface strategy guest calls', async () => {
    // wasm-tools (through jco) builds a dummy component of each world. The
    // wasi:cli include is left out: the WASI packages are not available offline.
    const wit = readFileSync(new URL('../specs/wit/reset.wit', import.meta.url), 'utf8');
    expect(wit).toMatch(/^\s*include wasi:cli\/command@0\.2\.\d+;$/m);
    const standalone = wit.replace(/^\s*include wasi:cli\/command@[\d.]+;$/m, '');
    for (const [world, expected] of [
      ['resettable-command', ['wasi-rewind:reset/reset@0.1.0']],
      ['resettable-command-with-dirty', ['wasi-rewind:reset/dirty@0.1.0', 'wasi-rewind:reset/reset@0.1.0']],
    ] as const) {
      const core = await componentEmbed({ witSource: standalone, dummy: true, world });
      const { exports } = await transpile(await componentNew(core), { name: 'c', instantiation: 'sync' });
      expect(exports.map(([name]) => name).filter((n) => n.includes(':')).sort()).toEqual(expected);
    }
    expect(readFileSync(new URL('./fixtures/wat/guest-reset.wat', import.meta.url), 'utf8')).toContain('"wasi-rewind:reset/reset@0.1.0"');
  });
});
