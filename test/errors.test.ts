// Bad input never crashes the host: each problem is a typed RewindError with
// a readable message (test/fuzz.test.ts covers mutated modules).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  InstantiationError, InvalidOptionsError, InvalidWasmError, ReusableInstance, RewindError, WrongWorldError,
} from '../src/index.js';
import { fixture } from './helpers.js';

const build = (name: string) => new URL(`./fixtures/build/${name}.wasm`, import.meta.url).pathname;

describe('bad wasm', () => {
  it.each([
    ['empty bytes', new Uint8Array(), /empty input/],
    ['garbage', new TextEncoder().encode('#!/bin/sh\necho hi\n'), /missing the \\0asm header/],
    ['truncated module', readFileSync(fixture('hello')).subarray(0, 500), /invalid core module/],
    ['unknown version', new Uint8Array([0, 0x61, 0x73, 0x6d, 9, 0, 0, 0]), /unknown WebAssembly binary version/],
  ])('%s -> InvalidWasmError', async (_name, bytes, message) => {
    const err = await ReusableInstance.create(bytes).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidWasmError);
    expect(err.code).toBe('INVALID_WASM');
    expect(err.message).toMatch(message);
  });

  it('a missing file -> InvalidWasmError naming the path', async () => {
    await expect(ReusableInstance.create('/nonexistent/x.wasm')).rejects.toThrow(/cannot read \/nonexistent\/x.wasm/);
  });

  it('a core module that is neither command nor reactor -> WrongWorldError', async () => {
    await expect(ReusableInstance.create(build('not-a-command'))).rejects.toThrow(WrongWorldError);
  });

  it('a core module with non-WASI imports -> WrongWorldError naming them', async () => {
    await expect(ReusableInstance.create(build('foreign-import'))).rejects.toThrow(/env\.host_magic/);
  });

  it('memories the runtime cannot take (memory64, shared) -> typed errors, not crashes', async () => {
    await expect(ReusableInstance.create(build('memory64'))).rejects.toThrow(/memory limits|memory64|index type used for memories/);
    await expect(ReusableInstance.create(build('memory64'))).rejects.toBeInstanceOf(RewindError);
    await expect(ReusableInstance.create(build('shared-memory'))).rejects.toBeInstanceOf(RewindError);
  });

  it('a component with nothing to call -> WrongWorldError', async () => {
    const err = await ReusableInstance.create(build('reactor-no-exports')).catch((e) => e);
    expect(err).toBeInstanceOf(WrongWorldError);
    expect(err.message).toMatch(/exports neither wasi:cli\/run@0\.2\.x nor any function or interface to call \(it exports nothing\)/);
  });

  it('a component of another world is called through its exports; run() -> WrongWorldError', async () => {
    const inst = await ReusableInstance.create(build('other-world'));
    expect(inst.exportNames()).toEqual(['answer']);
    expect(inst.call('answer', []).value).toBe(42);
    await expect(inst.run()).rejects.toThrow(/does not export wasi:cli\/run@0\.2\.x: call its exports with call\(\) \(answer\)/);
  });

  it('a WASI 0.3 component -> WrongWorldError naming the 0.3 interface', async () => {
    const err = await ReusableInstance.create(build('wasip3-import')).catch((e) => e);
    expect(err).toBeInstanceOf(WrongWorldError);
    expect(err.message).toMatch(/WASI 0\.3 interfaces.*wasi:clocks\/monotonic-clock@0\.3\.0/);
  });

  it('a component importing an interface the host lacks -> InstantiationError naming it', async () => {
    const err = await ReusableInstance.create(build('http-client')).catch((e) => e);
    expect(err).toBeInstanceOf(InstantiationError);
    expect(err.message).toMatch(/does not provide: wasi:http\/incoming-handler/);
  });
});

describe('bad options', () => {
  it.each([
    [{ strategy: 'fast' }, /strategy/],
    [{ dirs: { data: '/tmp' } }, /guest paths are absolute/],
    [{ env: { 'A=B': 'x' } }, /cannot contain "="/],
    [{ maxMemoryMiB: -1 }, /maxMemoryMiB/],
    [{ random: { seed: 1.5 } }, /random/],
    [{ unknownOption: true }, /unknownOption|Unrecognized/i],
  ])('%j -> InvalidOptionsError', async (options, message) => {
    const err = await ReusableInstance.create(fixture('hello'), options as never).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidOptionsError);
    expect(err.message).toMatch(message);
  });

  it('bad run options -> InvalidOptionsError, and the instance stays usable', async () => {
    const inst = await ReusableInstance.create(fixture('hello'));
    await expect(inst.run({ args: 'not-an-array' } as never)).rejects.toThrow(InvalidOptionsError);
    await expect(inst.run({ stdin: 42 } as never)).rejects.toThrow(/stdin/);
    expect((await inst.run()).exitCode).toBe(0);
  });
});
