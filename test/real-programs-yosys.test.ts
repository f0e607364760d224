// Yosys (EDA synthesis, @yowasp/yosys: a wasip1 command of 30 MB) over a
// large read-only data tree: its share/ directory (317 files, ~8 MiB of
// techmap libraries and cell models) mounted at /share, designs in /work.
// The package ships jco's transpiled output; its first core module is the
// original wasip1 command (the preview1 adapter is a separate module), so
// wasi-rewind wraps it again like any wasip1 command.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CreateOptions, RunOptions } from '../src/index.js';
import { differential, expectFlatStats } from './helpers.js';

const gen = new URL('./', import.meta.resolve('@yowasp/yosys'));
const program = new URL('yosys.core.wasm', gen).pathname;

type Resource = string | URL | { [name: string]: Resource };
/** The package's resource tree (strings inline, big files as URLs) as an in-memory tree. */
function tree(node: Record<string, Resource>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(node).map(([name, v]) => [name,
    typeof v === 'string' ? v : v instanceof URL ? new Uint8Array(readFileSync(v)) : tree(v)]));
}

describe('Yosys (@yowasp/yosys) over a read-only share/ tree', () => {
  it('synthesises the same netlists on a reused instance as on fresh ones; stats stay flat', async () => {
    const { filesystem } = (await import(new URL('resources-yosys.js', gen).href)) as { filesystem: { share: Record<string, Resource> } };
    const options: CreateOptions = { programName: 'yosys', cwd: '/work', dirs: { '/share': tree(filesystem.share), '/work': {}, '/tmp': {} } };
    const and = 'module top(input a, b, output y); assign y = a & b; endmodule\n';
    const dff = 'module top(input clk, a, b, output reg y); always @(posedge clk) y <= a ^ b; endmodule\n';
    const inputs: RunOptions[] = [
      { args: ['-V'] },
      // Reads a techmap library from the share tree.
      { args: ['-q', '-p', 'read_verilog /work/top.v; proc; opt; techmap; techmap -map +/ice40/ff_map.v; opt_clean; tee -q -o /work/stat.txt stat; write_json /work/out.json'], files: { '/work/top.v': dff } },
      { args: ['-q', '-p', 'read_verilog /work/top.v; synth -top top -noabc; write_verilog -noattr /work/out.v'], files: { '/work/top.v': and } },
      { args: ['-q', '/work/bad.v'], files: { '/work/bad.v': 'module broken(' } },
      // Overwrites the techmap library input 1 reads: the next run must see the original.
      { args: ['-q', '-p', 'read_verilog /work/top.v; write_verilog /share/ice40/ff_map.v'], files: { '/work/top.v': and } },
    ];
    const fresh = await differential(program, options, inputs, 50);
    expect(fresh[0]!.result.stdout).toMatch(/^Yosys 0\.55/);
    expect(fresh.map((f) => f.result.exitCode)).toEqual([0, 0, 0, 1, 0]);
    const work = (i: number) => fresh[i]!.files.work as Record<string, Uint8Array>;
    expect(Buffer.from(work(1)['out.json']!).toString()).toMatch(/SB_DFF/);
    expect(Buffer.from(work(2)['out.v']!).toString()).toMatch(/module top/);
    expect(fresh[3]!.result.stderr).toMatch(/syntax error/);
    const share = (i: number) => (fresh[i]!.files.share as Record<string, Record<string, string | Uint8Array>>).ice40!['ff_map.v']!;
    expect(Buffer.from(share(4)).toString()).toMatch(/module top/);
    expect(Buffer.from(share(1)).toString()).not.toMatch(/module top/);
    // Cheaper inputs for the 200 runs: version, parse error, a write into the share tree.
    await expectFlatStats(program, options, [inputs[0]!, inputs[3]!, inputs[4]!]);
  });
});
