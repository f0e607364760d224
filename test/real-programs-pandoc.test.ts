// Pandoc (wasm-pandoc: the official Pandoc build by GHC's wasm backend, 58
// MB), made a command by scripts/real-programs-pandoc.mjs: each run starts
// the GHC runtime (hs_init) and calls pandoc's `convert` export with the
// options JSON read from stdin. Pandoc reads the document from the file
// /stdin and writes /stdout, /stderr and /warnings (a JSON array) as files,
// as under the package's own JS wrapper.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CreateOptions, RunOptions } from '../src/index.js';
import { differential, expectFlatStats } from './helpers.js';

const pandoc = new URL('./fixtures/build/pandoc.wasm', import.meta.url).pathname;
const convert = (options: Record<string, unknown>, document: string, files: Record<string, string> = {}): RunOptions =>
  ({ stdin: JSON.stringify(options), files: { '/stdin': document, ...files } });

const markdown = [
  '# Reuse *and* rewind', '', 'A paragraph with `code`, a [link](https://example.org) and a note.[^1]', '',
  '| a | b |', '|---|---|', '| 1 | 2 |', '', '- one', '- two', '', '[^1]: The note.', '',
].join('\n');

describe('Pandoc (wasm-pandoc, GHC wasm backend; the Haskell runtime starts in every run)', () => {
  it('converts documents on a reused instance exactly as on fresh ones; stats stay flat', async () => {
    if (!existsSync(pandoc)) throw new Error(`${pandoc} is missing: run \`npm run fixtures\``);
    const options: CreateOptions = { programName: 'pandoc', dirs: { '/': { stdin: '', stdout: '', stderr: '', warnings: '' } }, clock: { virtual: {} }, random: { seed: 3 } };
    const inputs: RunOptions[] = [
      convert({ from: 'markdown', to: 'html' }, markdown),
      // A template from pandoc's embedded data files.
      convert({ from: 'markdown', to: 'latex', standalone: true, metadata: { title: 'Rewind' } }, markdown),
      convert({ from: 'html', to: 'markdown' }, '<h2 id="x">Title</h2><p>Some <b>bold</b> &amp; <i>italic</i>.</p><ul><li>a</li></ul>'),
      // A zip written to a file: its entries carry the (virtual) time.
      convert({ from: 'markdown', to: 'docx', 'output-file': 'out.docx' }, markdown),
      convert({ from: 'rst', to: 'json' }, 'Title\n=====\n\n*emphasis* and ``literal``\n'),
      // A duplicate reference is a warning: /warnings must hold this run's only.
      convert({ from: 'markdown', to: 'plain' }, '[a]: /x\n[a]: /y\n\nSee [a].\n'),
      convert({ from: 'nosuchformat', to: 'html' }, 'text'),
      { stdin: 'this is not json', files: { '/stdin': 'text' } },
    ];
    const fresh = await differential(pandoc, options, inputs, 50);
    const file = (i: number, name: string) => Buffer.from((fresh[i]!.files as Record<string, Uint8Array>)[name] ?? []).toString('latin1');
    expect(file(0, 'stdout')).toMatch(/<h1 id="reuse-and-rewind">Reuse <em>and<\/em> rewind<\/h1>[^]*<table>[^]*footnote/);
    expect(file(1, 'stdout')).toMatch(/\\documentclass[^]*\\title\{Rewind\}[^]*\\begin\{document\}/);
    expect(file(2, 'stdout')).toMatch(/^## Title \{#x\}\n\nSome \*\*bold\*\* & \*italic\*\./);
    expect(file(3, 'out.docx').slice(0, 2)).toBe('PK');
    expect(JSON.parse(file(4, 'stdout'))).toMatchObject({ blocks: [{ t: 'Header' }, { t: 'Para' }] });
    expect(JSON.parse(file(5, 'warnings'))).toHaveLength(1);
    expect(file(6, 'stderr')).toMatch(/Unknown input format nosuchformat/);
    expect(file(7, 'stderr')).not.toBe('');
    await expectFlatStats(pandoc, options, [inputs[0]!, inputs[3]!, inputs[5]!, inputs[6]!]);
  });
});
