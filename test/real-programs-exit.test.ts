// Exit status of components: wasi:cli/run returning `err` is exit code 1 (in
// the result and for `rewind run`), a trap stays a trap (134 in the CLI), on
// a WAT component and on a JS component built with componentize-js.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ReusableInstance } from '../src/index.js';
import { fixture } from './helpers.js';

const bin = new URL('../bin/rewind.js', import.meta.url).pathname;
const rewind = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

describe('exit status of components', () => {
  it("run's err result is exit code 1 on reused and fresh instances; a trap is a trap", async () => {
    for (const strategy of ['snapshot', 'reinstantiate'] as const) {
      const inst = await ReusableInstance.create(fixture('run-err'), { strategy });
      for (let k = 0; k < 2; k++) {
        const err = await inst.run();
        expect([err.exitCode, err.trap]).toEqual([1, undefined]);
        const trapped = await inst.run({ args: ['a'] });
        expect(trapped.exitCode).toBeNull();
        expect(trapped.trap).toMatchObject({ kind: 'trap', message: expect.stringMatching(/unreachable/) });
        const ok = await inst.run({ args: ['a', 'b'] });
        expect([ok.exitCode, ok.trap]).toEqual([0, undefined]);
      }
    }
  });

  it('rewind run exits 1 for err, 134 for a trap, 0 for ok', () => {
    const err = rewind(['run', fixture('run-err')]);
    expect(err.status, err.stderr).toBe(1);
    expect(err.stderr).toBe('');
    expect(rewind(['run', fixture('run-err'), '--', 'a']).status).toBe(134);
    expect(rewind(['run', fixture('run-err'), '--times', '2', '--', 'a', 'b']).status).toBe(0);
  });

  it('rewind run --init names the init and prints its warnings on stderr', () => {
    const r = rewind(['run', fixture('init-world'), '--init', 'wizer.initialize', '--env', 'NAME=x']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^rewind: warning: init wizer.initialize read the environment/m);
    expect(r.stdout).toMatch(/NAME now: \(unset\)/);
    const plain = rewind(['run', fixture('init-world'), '--env', 'NAME=x']);
    expect(plain.stderr).toBe('');
    expect(plain.stdout).toMatch(/NAME now: x/);
  });
});
