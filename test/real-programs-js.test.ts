// A genuine WASI 0.2 component: JavaScript (test/fixtures/js/wordfreq.js) on
// SpiderMonkey, built by componentize-js (scripts/real-programs-build.mjs),
// pre-initialised by Wizer at build time. Its module state (a call counter,
// a memo of past inputs) must not survive a run; run() throwing is run's
// `err` result (exit code 1).
import { describe, expect, it } from 'vitest';
import type { CreateOptions, RunOptions } from '../src/index.js';
import { differential, expectFlatStats, fixture } from './helpers.js';

const program = fixture('js-wordfreq');

describe('JavaScript component (componentize-js, wasi:cli/run)', () => {
  it('runs on a reused instance exactly as on fresh ones; stats stay flat', async () => {
    const options: CreateOptions = { clock: { virtual: {} }, random: { seed: 21 } };
    const inputs: RunOptions[] = [
      { stdin: 'the cat and the hat and the bat' },
      { args: ['to', 'be', 'or', 'not', 'to', 'be'], env: { TOP: '2' } },
      { args: ['fail'] },
      { stdin: 'é'.repeat(5000) + ' word '.repeat(20_000), env: { NAME: 'élan' } },
      { args: ['-'], stdin: 'the cat and the hat and the bat', env: { SHOW_WORLD: '1' } },
    ];
    const fresh = await differential(program, options, inputs, 50);
    const out = fresh.map((f) => Buffer.from(f.result.stdout, 'latin1').toString());
    expect(out[0]).toBe('calls=1 seen-before=false words=8\n3 the\n2 and\n1 bat\n1 cat\n1 hat\n');
    expect(out[1]).toBe('calls=1 seen-before=false words=6\n2 be\n2 to\n');
    expect(fresh[2]!.result).toMatchObject({ exitCode: 1, stdout: '', stderr: 'failing on purpose\n', trap: undefined });
    expect(out[3]).toMatch(/hello élan\n$/);
    expect(out[4]).toMatch(/^calls=1 seen-before=false .*\nrandom=\d+ now=1700000000 date=\d+ math=0\.\d+\n$/s);
    await expectFlatStats(program, options, inputs.slice(0, 3));
  });
});
