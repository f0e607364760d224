// `rewind call` as a user runs it: a subprocess, values as JSON lines, the
// policy flag, exit codes, typed errors for bad flags.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const bin = new URL('../bin/rewind.js', import.meta.url).pathname;
const TRANSFORM = new URL('./fixtures/build/js-transform.wasm', import.meta.url).pathname;
const rewind = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

describe('rewind call', () => {
  it('prints each value as JSON; --reset never carries state, the default does not', () => {
    const always = rewind(['call', TRANSFORM, 'transform', '"ab"', '--times', '2']);
    expect({ status: always.status, stdout: always.stdout }).toEqual({ status: 0, stdout: '"1:AB"\n"1:AB"\n' });
    const never = rewind(['call', TRANSFORM, 'transform', '"ab"', '--times', '3', '--reset', 'never']);
    expect(never.stdout).toBe('"1:AB"\n"2:AB"\n"3:AB"\n');
    expect(rewind(['call', TRANSFORM, 'transform', '"ab"', '--times', '3', '--reset', 'every=2']).stdout).toBe('"1:AB"\n"2:AB"\n"1:AB"\n');
  });

  it('streams guest output; an err result exits 1, a trap 134', () => {
    const shout = rewind(['call', TRANSFORM, 'wasi-rewind:js-fixtures/transformer#shout', '"hey"']);
    expect([shout.status, shout.stdout, shout.stderr]).toEqual([0, 'out 1: hey\n1\n', 'err 1: hey\n']);
    const err = rewind(['call', TRANSFORM, 'wasi-rewind:js-fixtures/transformer#check', '""']);
    expect([err.status, err.stderr]).toEqual([1, 'rewind: call 1 returned err: "empty input"\n']);
    const trap = rewind(['call', TRANSFORM, 'wasi-rewind:js-fixtures/transformer#crash', '"x"']);
    expect(trap.status).toBe(134);
    expect(trap.stderr).toMatch(/rewind: call 1 trapped: .*unreachable/);
  });

  it.each([
    [['transform', 'abc'], /INVALID_OPTIONS: .*argument 1 is not JSON/s],
    [['transform', '"a"', '--reset', 'every=0'], /INVALID_OPTIONS: .*--reset is always, never, on-trap or every=N/s],
    [[], /INVALID_OPTIONS: .*missing the export to call/s],
    [['nope'], /UNKNOWN_EXPORT: .*no export named "nope"/],
    [['transform', '1'], /INVALID_VALUE: transform: expected a string/],
  ])('%j -> exit 2 with a typed error', (args, message) => {
    const r = rewind(['call', TRANSFORM, ...args]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
