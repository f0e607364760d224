// Differential harness over the C/WAT corpus: for each program, several
// input cases (args, env, stdin, files), each on a fresh instance, then 100
// runs in shuffled order on one reused instance: stdout, stderr, exit code,
// trap and the resulting file tree must match byte for byte.
import { describe, expect, it } from 'vitest';
import type { CreateOptions, RunOptions } from '../src/index.js';
import { differential, fixture, freshInitialised, shuffledOrder, type Fixture } from './helpers.js';

const binary = new Uint8Array(4096).map((_, i) => (i * 31) % 256);

const corpus: [Fixture, CreateOptions, RunOptions[]][] = [
  ['hello', {}, [{}, { args: ['ignored'] }]],
  ['hello-component', {}, [{}, { args: ['ignored'] }]],
  ['echo', { env: { BASE: '1' } }, [
    {}, { args: ['a', 'b'] }, { args: ['x'.repeat(3000)] }, { env: { ONLY: 'this', EMPTY: '' } }, { args: ['ünïcödé', '🚀'], env: { 'K-K': 'v=v' } },
  ]],
  ['cat', {}, [{}, { stdin: 'short' }, { stdin: binary }, { stdin: 'y\n'.repeat(50_000) }]],
  ['counter', {}, [{}, { args: ['x'] }]],
  ['grow', {}, [{ args: ['0'] }, { args: ['1'] }, { args: ['12'] }, { args: ['3'] }]],
  ['files', { dirs: { '/data': { 'seed.txt': 'seed', sub: { 'deep.bin': binary } } } }, [
    {}, { args: ['a.txt', 'one'] }, { args: ['seed.txt', '+more'] }, { args: ['b.txt', 'two'], files: { '/data/extra.txt': 'per run' } }, { args: ['sub', 'x'] },
  ]],
  ['exit', {}, [{ args: ['0'] }, { args: ['1'] }, { args: ['42'] }]],
  ['faults', {}, [{ args: ['none'] }, { args: ['unreachable'] }, { args: ['oob'] }, { args: ['div0'] }, { args: ['stack'] }]],
  ['secret', { dirs: { '/data': {} } }, [{ args: ['plant', 'abc123'] }, { args: ['scan', 'abc123'] }, { args: ['selftest', 'zz'] }]],
  ['entropy', { clock: { virtual: {} }, random: { seed: 9 } }, [{}, { env: { X: '1' } }]],
  // Post-init snapshot (building the sieve per run is slow); oracle: fresh + same init + run.
  ['sieve', { init: 'wizer.initialize' }, [{ args: ['10'] }, { args: ['100000'] }]],
  ['state', {}, [{}]],
  ['recurse', {}, [{}]],
  ['run-err', {}, [{}, { args: ['trap'] }, { args: ['a', 'b'] }]],
  ['init-world', { clock: { virtual: {} }, random: { seed: 3 } }, [{ env: { NAME: 'a' } }, { args: ['b'] }, { args: ['x'] }]],
  ['cgi', {}, [{ env: { REQUEST_METHOD: 'GET', PATH_INFO: '/a' } }, { stdin: 'body', env: { REQUEST_METHOD: 'POST', PATH_INFO: '/b', QUERY_STRING: 'q=1' } }, { env: { PATH_INFO: '/crash' } }]],
];

describe('differential: reused instance vs fresh instances, shuffled inputs', () => {
  it.each(corpus)('%s', async (name, options, inputs) => {
    await differential(fixture(name), options, inputs, 100, options.init ? freshInitialised : undefined);
  });

  it('the shuffle visits every input several times, in no fixed pattern', () => {
    for (const n of [1, 2, 3, 4, 5, 6, 7, 16]) {
      const order = shuffledOrder(n, 100);
      expect(order).toHaveLength(100);
      for (let i = 0; i < n; i++) expect(order.filter((x) => x === i).length, `input ${i} of ${n}`).toBeGreaterThanOrEqual(3);
      if (n > 1) {
        expect(order.some((x, k) => k > 0 && x === order[k - 1]), `repeats with ${n} inputs`).toBe(true);
        expect(order.some((x, k) => k > 0 && x < order[k - 1]!), `descents with ${n} inputs`).toBe(true);
      }
    }
  });
});
