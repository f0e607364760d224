// CRuby booted by a post-init snapshot (init: 'wizer.initialize', see
// scripts/ruby-command.mjs). The oracle is a fresh instance + the same init +
// the run (helpers.freshInitialised), not a fresh instance that boots in its
// run: the boot sees the init's fixed world (no environment), and what Ruby
// caches there (libc's environ, the String#hash seed) is the snapshot's in
// every run. With virtual clocks and a seed, reused runs equal that oracle
// byte for byte; with crypto random the frozen hash seed is reported.
import { describe, expect, it } from 'vitest';
import { ReusableInstance, type CreateOptions, type RunOptions } from '../src/index.js';
import { differential, expectFlatStats, fixture, freshInitialised, observed } from './helpers.js';

const ruby = fixture('ruby');
const script = (code: string, extra: RunOptions = {}): RunOptions => ({ ...extra, files: { '/app/main.rb': code } });
const world = [
  script('puts ENV.fetch("NAME", "unset")\nputs [ENV["REQUEST_METHOD"], ENV["QUERY_STRING"]].inspect\n', { env: { NAME: 'alice', REQUEST_METHOD: 'GET', QUERY_STRING: 'q=1' } }),
  script('puts Time.now.to_r\nputs Process.clock_gettime(Process::CLOCK_MONOTONIC, :nanosecond)\n'),
  script('srand(42)\nputs rand(1_000_000)\nputs Random.new(7).rand(1_000_000)\nputs Random.rand(1_000_000)\n'),
  script('puts "abc".hash\nputs({ "k" => 1 }.to_a.inspect)\nputs [1, 2, 3].shuffle.inspect\n'),
  script('puts $stdin.read.upcase\n$stdout.close\n$stderr.close\nexit!(0)\n', { stdin: 'closing stdio at exit' }),
];

describe('CRuby with a post-init snapshot', () => {
  it('equals a fresh instance + the same init + the run: ENV, Time.now, srand/rand, String#hash, closed stdio', async () => {
    const options: CreateOptions = { init: 'wizer.initialize', dirs: { '/app': {} }, clock: { virtual: {} }, random: { seed: 3 } };
    const results = await differential(ruby, options, world, 50, freshInitialised);
    const out = results.map((r) => r.result.stdout);
    // The boot read the (empty) init environment and libc kept it: runs see no
    // per-run variables, on the oracle too. This is what `warnings` reports.
    expect(out[0]).toBe('unset\n[nil, nil]\n');
    expect(out[4]).toBe('CLOSING STDIO AT EXIT\n');
    const inst = await ReusableInstance.create(ruby, options);
    expect(inst.warnings).toHaveLength(1);
    expect(inst.warnings[0]).toMatch(/environment/);
    await expectFlatStats(ruby, options, world);
  });

  it('with crypto random the hash seed drawn at init is frozen (and reported); Kernel#rand is seeded per run', async () => {
    const inst = await ReusableInstance.create(ruby, { init: 'wizer.initialize', dirs: { '/app': {} } });
    expect(inst.warnings.join('\n')).toMatch(/random values \(wasi:random\/random#getRandomBytes\)/);
    const hashes = new Set<string>();
    const rands = new Set<string>();
    for (let k = 0; k < 4; k++) {
      hashes.add(observed(await inst.run(script('puts "abc".hash'))).stdout);
      rands.add(observed(await inst.run(script('puts rand(2**60)'))).stdout);
    }
    expect(hashes.size).toBe(1);
    expect(rands.size).toBe(4);
  });
});
