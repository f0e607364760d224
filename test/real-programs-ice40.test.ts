// The iCE40 FPGA flow after synthesis, from @yowasp/nextpnr-ice40: three
// different C++ wasip1 commands of that package (each its own first core
// module; the others are jco's preview1 adapter and shims):
//  - nextpnr-ice40 (place and route, 1.8 MB) over a read-only chip database
//    (share/ice40/chipdb-384.bin, 5 MB, the smallest device) with a seeded
//    placer, on a netlist Yosys synthesised from
//    test/fixtures/programs/ice40/blinky.v (scripts/real-programs-fixtures.mjs);
//  - icepack (bitstream packer / unpacker) on nextpnr's output;
//  - icepll (PLL parameter calculator: arguments in, text and Verilog out).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CreateOptions, RunOptions } from '../src/index.js';
import { differential, expectFlatStats, freshResults } from './helpers.js';

const gen = new URL('./', import.meta.resolve('@yowasp/nextpnr-ice40'));
const program = (name: string) => new URL(`${name}.core.wasm`, gen).pathname;
const chipdb = () => new Uint8Array(readFileSync(new URL('share/ice40/chipdb-384.bin', gen)));
const blinky = {
  'blinky.json': readFileSync(new URL('./fixtures/build/blinky.json', import.meta.url), 'utf8'),
  'blinky.pcf': readFileSync(new URL('./fixtures/programs/ice40/blinky.pcf', import.meta.url), 'utf8'),
};
const pnr = (...extra: string[]) => ['--lp384', '--package', 'qn32', '--json', '/work/blinky.json', '-q', ...extra];
const placed = (...extra: string[]) => pnr('--pcf', '/work/blinky.pcf', ...extra);
const text = (b: string | Uint8Array | undefined) => (typeof b === 'string' ? b : Buffer.from(b ?? []).toString('latin1'));

describe('nextpnr-ice40 (@yowasp/nextpnr-ice40) over a read-only chip database', () => {
  it('places and routes the same on a reused instance as on fresh ones; stats stay flat', async () => {
    const options: CreateOptions = {
      programName: 'nextpnr-ice40',
      dirs: { '/share': { ice40: { 'chipdb-384.bin': chipdb() } }, '/work': blinky },
      clock: { virtual: {} },
      random: { seed: 9 },
    };
    const inputs: RunOptions[] = [
      { args: ['--version'] },
      { args: placed('--seed', '1', '--asc', '/work/blinky.asc') },
      // The placer's seed drawn from the host (random_get / clocks).
      { args: placed('--randomize-seed', '--asc', '/work/blinky.asc') },
      // Overwrites the chip database the place-and-route inputs read: the
      // next run must see the original.
      { args: placed('--pack-only', '--write', '/share/ice40/chipdb-384.bin') },
      // A pin the package does not have: an error message, then a trap
      // (log_error's exception aborts in this build).
      { args: pnr('--pcf', '/work/bad.pcf'), files: { '/work/bad.pcf': 'set_io clk 99\n' } },
      // A device whose chip database is not there: a trap.
      { args: ['--hx1k', '--json', '/work/blinky.json', '-q'] },
      { args: ['--help'] },
    ];
    const fresh = await differential(program('nextpnr-ice40'), options, inputs, 50);
    const work = (i: number) => fresh[i]!.files.work as Record<string, Uint8Array>;
    const share = (i: number) => text((fresh[i]!.files.share as Record<string, Record<string, Uint8Array>>).ice40!['chipdb-384.bin']);
    expect(fresh[0]!.result.stderr).toMatch(/"nextpnr-ice40" -- Next Generation Place and Route/);
    for (const i of [1, 2]) {
      expect(fresh[i]!.result.exitCode, fresh[i]!.result.stderr).toBe(0);
      expect(text(work(i)['blinky.asc'])).toMatch(/^\.comment[^]*\.device 384/);
    }
    expect(share(3)).toMatch(/^\{\n {2}"creator": "Next Generation Place and Route/);
    expect(share(1).startsWith('{')).toBe(false);
    expect(fresh[4]!.result.stderr).toMatch(/does not have a pin named '99'/);
    expect(fresh[4]!.result.trap).toBeDefined();
    expect(fresh[5]!.result.trap).toBeDefined();
    expect(fresh[6]!.result.stderr).toMatch(/--seed/);
    // The cheap inputs for the 200 runs (no place and route, no trap).
    await expectFlatStats(program('nextpnr-ice40'), options, [inputs[0]!, inputs[3]!, inputs[6]!]);
  });
});

describe('icestorm tools from the same package (icepack, icepll)', () => {
  it('pack bitstreams and compute PLLs the same on a reused instance as on fresh ones; stats stay flat', async () => {
    const routed = await freshResults(program('nextpnr-ice40'), { dirs: { '/share': { ice40: { 'chipdb-384.bin': chipdb() } }, '/work': blinky } }, [{ args: placed('--seed', '1', '--asc', '/work/blinky.asc') }]);
    const asc = (routed[0]!.files.work as Record<string, Uint8Array>)['blinky.asc']!;
    const packed = await freshResults(program('icepack'), { programName: 'icepack', dirs: { '/work': {} } }, [{ args: ['/work/in.asc', '/work/out.bin'], files: { '/work/in.asc': asc } }]);
    const bin = (packed[0]!.files.work as Record<string, Uint8Array>)['out.bin']!;

    const icepack: RunOptions[] = [
      { args: ['/work/in.asc', '/work/out.bin'], files: { '/work/in.asc': asc } },
      // Unpacking, stdin to stdout (binary in, text out).
      { args: ['-u'], stdin: bin },
      { args: ['-u', '/work/in.bin', '/work/out.asc'], files: { '/work/in.bin': bin } },
      { args: [], stdin: 'not a bitstream\n' },
      { args: ['-h'] },
    ];
    const packOptions: CreateOptions = { programName: 'icepack', dirs: { '/work': {} } };
    const p = await differential(program('icepack'), packOptions, icepack, 50);
    expect(Buffer.compare(Buffer.from((p[0]!.files.work as Record<string, Uint8Array>)['out.bin']!), Buffer.from(bin))).toBe(0);
    expect(p[1]!.result.stdout).toBe(text((p[2]!.files.work as Record<string, Uint8Array>)['out.asc']));
    expect(p[1]!.result.stdout).toMatch(/\.device 384/);
    expect(p[3]!.result.exitCode).not.toBe(0);
    // 100 runs each (not 200) for the two small tools: the file stays near a minute.
    await expectFlatStats(program('icepack'), packOptions, icepack.slice(0, 3));

    const icepll: RunOptions[] = [
      { args: ['-i', '12', '-o', '48'] },
      { args: ['-i', '12', '-o', '100', '-q', '-m', '-f', '/work/pll.v'] },
      { args: ['-S', '-i', '100', '-o', '25', '-q', '-m', '-n', 'slow_pll'] },
      { args: ['-i', '12', '-o', '5000'] },
      { args: ['-b'] },
    ];
    const pllOptions: CreateOptions = { programName: 'icepll', dirs: { '/work': {} } };
    const q = await differential(program('icepll'), pllOptions, icepll, 50);
    expect(q[0]!.result.stdout).toMatch(/F_PLLOUT: +48\.000 MHz \(achieved\)/);
    expect(text((q[1]!.files.work as Record<string, Uint8Array>)['pll.v'])).toMatch(/module pll/);
    expect(q[2]!.result.stdout).toMatch(/module slow_pll/);
    await expectFlatStats(program('icepll'), pllOptions, icepll);
  });
});
