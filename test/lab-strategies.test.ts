// `rewind bench --strategies`: the fidelity column must tell a faithful
// strategy from an unfaithful one, against fresh instances, on real programs.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchStrategies, firstDifference, rowName, strategiesTable } from '../src/bench/strategies.js';
import { fixture } from './helpers.js';

const built = (name: string) => join(import.meta.dirname, 'fixtures', 'build', `${name}.wasm`);

describe('bench --strategies', () => {
  it('a C command: snapshot and fresh instances are identical, reuse without reset traps on call 2, guest reset is skipped', async () => {
    const rows = await benchStrategies({ file: fixture('hello'), options: {}, inputs: [{}], calls: 10 });
    const by = Object.fromEntries(rows.map((r) => [rowName(r), r]));
    expect(by.snapshot!.fidelity).toBe('identical');
    // A command's second entry on one instance trips its run-once guard unless rewound first.
    for (const policy of ['every=2', 'on-trap', 'never']) expect(by[`snapshot, reset ${policy}`]!.fidelity, policy).toMatch(/^call 2: trap: /);
    expect(by.reinstantiate!.fidelity).toBe('identical');
    expect(by.none!.fidelity).toMatch(/^call 2: trap: /);
    expect(by.guest!.skipped).toMatch(/wasi-rewind:reset/);
    for (const r of [by.snapshot!, by.reinstantiate!, by.none!]) {
      expect(r.calls).toBe(10);
      expect(r.p99Ms!).toBeGreaterThanOrEqual(r.p50Ms!);
    }
    expect(strategiesTable(rows).split('\n')[0]).toMatch(/^strategy\s+calls/);
  });

  it('a guest without a run-once guard: reuse without reset differs in its output, with the byte named', async () => {
    const rows = await benchStrategies({ file: built('state'), options: {}, inputs: [{}], calls: 4 });
    const by = Object.fromEntries(rows.map((r) => [rowName(r), r]));
    expect(by.none!.fidelity).toMatch(/^call 2: stdout byte 2: "2/);
    expect(by.snapshot!.fidelity).toBe('identical');
    // The policies keep the instance's state for 1 (every 2) or all (on-trap, never: no trap here) later calls.
    for (const policy of ['every=2', 'on-trap', 'never']) expect(by[`snapshot, reset ${policy}`]!.fidelity, policy).toMatch(/^call 2: stdout byte 2: "2/);
  });

  it('a component with a reset export: the guest strategy is measured and compared too', async () => {
    const rows = await benchStrategies({ file: built('guest-reset'), options: {}, inputs: [{}], calls: 4 });
    const guest = rows.find((r) => r.strategy === 'guest')!;
    expect(guest.skipped).toBeUndefined();
    expect(guest.fidelity).toBe('identical');
  });

  it('several inputs cycle, each compared with its own fresh run', async () => {
    const rows = await benchStrategies({ file: fixture('echo'), options: {}, inputs: [{ args: ['a'] }, { args: ['b', 'c'] }], calls: 6 });
    expect(rows.find((r) => r.strategy === 'snapshot')!.fidelity).toBe('identical');
  });

  it('firstDifference names the first differing part', () => {
    const base = { exitCode: 0, stdout: 'hello', stderr: '' };
    expect(firstDifference(base, base)).toBeNull();
    expect(firstDifference(base, { ...base, exitCode: 3 })).toBe('exit code 3 (fresh: 0)');
    expect(firstDifference(base, { ...base, stdout: 'help!' })).toBe('stdout byte 3: "p!" (fresh: "lo")');
    expect(firstDifference(base, { ...base, exitCode: null, trap: 'unreachable' })).toBe('trap: unreachable (fresh: none)');
  });
});
