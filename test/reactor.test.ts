// call(): the exports of a reused component, under each reset policy. The
// oracle is a fresh instance (strategy reinstantiate) making the same single
// call. transform.js (test/fixtures/js, world transform.wit) keeps a call
// counter, a secret and a tick total in module globals, so what a policy
// carries over is visible in the values.
import { describe, expect, it } from 'vitest';
import { ReusableInstance, type CallOptions, type CallResult, type CreateOptions, type ResetPolicy } from '../src/index.js';
import { shuffledOrder } from './helpers.js';

const TRANSFORM = new URL('./fixtures/build/js-transform.wasm', import.meta.url).pathname;
const IFACE = 'wasi-rewind:js-fixtures/transformer';
const fn = (name: string) => `${IFACE}#${name}`;

type Call = [name: string, args: unknown[], opts?: CallOptions];

/** What a call produced, compared byte for byte. */
function observed(r: CallResult) {
  return {
    value: r.value, error: r.error, exitCode: r.exitCode, trap: r.trap?.message,
    stdout: r.stdout.toString('latin1'), stderr: r.stderr.toString('latin1'),
  };
}

async function freshCall([name, args, opts]: Call, options: CreateOptions = {}) {
  const inst = await ReusableInstance.create(TRANSFORM, { ...options, strategy: 'reinstantiate' });
  return observed(inst.call(name, args, opts));
}

/** Calls in turn on one instance; returns the values (counts carry the state). */
function values(inst: ReusableInstance, calls: Call[]) {
  return calls.map(([name, args, opts]) => {
    const r = inst.call(name, args, opts);
    return { value: r.value, reset: r.reset };
  });
}

const INPUTS: Call[] = [
  ['transform', ['hello']],
  [fn('transform'), ['wörld ✓']],
  [fn('check'), ['']],
  [fn('check'), ['stressed']],
  [fn('shout'), ['line one'], { env: { X: '1' } }],
  [fn('crash'), ['boom']],
  [fn('recall'), []],
  [fn('total'), []],
];

describe('call() under the default policy (always) equals a fresh instance', () => {
  it('exportNames lists root, interface and resource functions by WIT name, not the host protocol', async () => {
    const inst = await ReusableInstance.create(TRANSFORM);
    expect(inst.policy).toBe('always');
    expect(inst.exportNames().sort()).toEqual([
      'transform',
      ...['check', 'crash', 'recall', 'remember', 'shout', 'total', 'transform',
        '[constructor]counter', '[method]counter.tick', '[drop]counter'].map(fn),
    ].sort());
  });

  it('shuffled calls of every kind (value, err, stdout/stderr, trap) on one instance', async () => {
    const fresh = [];
    for (const input of INPUTS) fresh.push(await freshCall(input));
    // Sanity of the oracle itself: the fixture's first call on a fresh instance.
    expect(fresh[0]!.value).toBe('1:HELLO');
    expect(fresh[2]!.error).toBe('empty input');
    expect(fresh[4]!.stdout).toBe('out 1: line one\n');
    expect(fresh[5]!.trap).toMatch(/unreachable/);
    const inst = await ReusableInstance.create(TRANSFORM);
    const order = shuffledOrder(INPUTS.length, 40, 11);
    for (const [k, i] of order.entries()) {
      const [name, args, opts] = INPUTS[i]!;
      const r = inst.call(name, args, opts);
      expect(observed(r), `call ${k} (input ${i})`).toEqual(fresh[i]);
      expect(r.reset, `call ${k} rewound first`).toBe(k > 0);
    }
  });

  it('a secret stored by one call is not visible to the next (and every restore is verified)', async () => {
    // verifyRestore: after each rewind all memory, globals, tables and glue bindings equal the snapshot.
    const inst = await ReusableInstance.create(TRANSFORM, { verifyRestore: true });
    expect(inst.call(fn('remember'), ['s3cr3t-A']).trap).toBeUndefined();
    const r = inst.call(fn('recall'), []);
    expect(r.value).toBeUndefined();
    expect(observed(r)).toEqual(await freshCall([fn('recall'), []]));
    // The same instance under 'never' does keep it: the check above can fail.
    inst.call(fn('remember'), ['s3cr3t-B']);
    expect(inst.call(fn('recall'), [], { reset: 'never' }).value).toBe('s3cr3t-B');
  });

  it('run() is the wasi:cli/run case: call(run) gives the same output, and run() follows the policy', async () => {
    const wordfreq = new URL('./fixtures/build/js-wordfreq.wasm', import.meta.url).pathname;
    const inst = await ReusableInstance.create(wordfreq);
    const runName = inst.exportNames().find((n) => /^wasi:cli\/run@0\.2\.\d+#run$/.test(n))!;
    expect(runName).toBeDefined();
    const viaRun = await inst.run({ args: ['a', 'b', 'a'] });
    const viaCall = inst.call(runName, [], { args: ['a', 'b', 'a'] });
    expect(viaCall.stdout.toString()).toBe(viaRun.stdout.toString());
    expect(viaCall.stdout.length).toBeGreaterThan(0);
    expect({ value: viaCall.value, trap: viaCall.trap, reset: viaCall.reset }).toEqual({ value: undefined, trap: undefined, reset: true });
  });
});

describe('other policies carry state over, as specified', () => {
  it("'never': the counter and the secret carry over (fresh would say 1 each time)", async () => {
    const inst = await ReusableInstance.create(TRANSFORM, { reset: 'never' });
    expect(values(inst, [['transform', ['a']], [fn('transform'), ['b']], ['transform', ['c']]])).toEqual([
      { value: '1:A', reset: false }, { value: '2:B', reset: false }, { value: '3:C', reset: false },
    ]);
    inst.call(fn('remember'), ['kept']);
    expect(inst.call(fn('recall'), []).value).toBe('kept');
  });

  it('{ every: 3 }: three calls share one state, then a rewind', async () => {
    const inst = await ReusableInstance.create(TRANSFORM, { reset: { every: 3 } });
    const got = values(inst, Array.from({ length: 7 }, (_, i): Call => ['transform', [`x${i}`]]));
    expect(got.map((g) => g.value)).toEqual(['1:X0', '2:X1', '3:X2', '1:X3', '2:X4', '3:X5', '1:X6']);
    expect(got.map((g) => g.reset)).toEqual([false, false, false, true, false, false, true]);
  });

  it('{ every: 3 } also rewinds after a failure: a trapped instance cannot be entered again', async () => {
    const inst = await ReusableInstance.create(TRANSFORM, { reset: { every: 3 } });
    expect(inst.call('transform', ['a']).value).toBe('1:A');
    expect(inst.call(fn('crash'), ['x']).trap?.kind).toBe('trap');
    expect(inst.call('transform', ['b'])).toMatchObject({ value: '1:B', reset: true });
    expect(inst.call('transform', ['c'])).toMatchObject({ value: '2:C', reset: false });
  });

  it("'on-trap': state carries over until a call traps; the call after it gets a fresh instance", async () => {
    const inst = await ReusableInstance.create(TRANSFORM, { reset: 'on-trap' });
    expect(values(inst, [['transform', ['a']], ['transform', ['b']]]).map((v) => v.value)).toEqual(['1:A', '2:B']);
    // An err result is a value, not a trap: no rewind after it.
    expect(inst.call(fn('check'), ['']).error).toBe('empty input');
    expect(inst.call('transform', ['c'])).toMatchObject({ value: '4:C', reset: false });
    expect(inst.call(fn('crash'), ['x']).trap?.kind).toBe('trap');
    expect(inst.call('transform', ['d'])).toMatchObject({ value: '1:D', reset: true });
    expect(inst.call('transform', ['e'])).toMatchObject({ value: '2:E', reset: false });
  });

  it("'never' after a trap: the instance stays poisoned, as a fresh instance that trapped would", async () => {
    const inst = await ReusableInstance.create(TRANSFORM, { reset: 'never' });
    inst.call('transform', ['a']);
    expect(inst.call(fn('crash'), ['x']).trap?.kind).toBe('trap');
    expect(inst.call('transform', ['b']).trap?.message).toMatch(/cannot enter component instance/);
    // A per-call policy overrides the instance's: this call is rewound first.
    expect(inst.call('transform', ['c'], { reset: 'always' })).toMatchObject({ value: '1:C', reset: true });
  });

  it.each<[string, CreateOptions, string[]]>([
    ['reinstantiate + never: one instance, state carried', { strategy: 'reinstantiate', reset: 'never' }, ['1:A', '2:B', '3:C']],
    ['reinstantiate + every 2: a fresh instance every second call', { strategy: 'reinstantiate', reset: { every: 2 } }, ['1:A', '2:B', '1:C']],
    ['none + always: nothing is ever rewound', { strategy: 'none' }, ['1:A', '2:B', '3:C']],
  ])('strategy %s', async (_, options, expected) => {
    const inst = await ReusableInstance.create(TRANSFORM, options);
    expect(values(inst, [['transform', ['a']], ['transform', ['b']], ['transform', ['c']]]).map((v) => v.value)).toEqual(expected);
  });
});

describe('resources returned by a call', () => {
  const ctor = fn('[constructor]counter');
  const tick = fn('[method]counter.tick');

  it("live until the next rewind under 'never'; methods run through call()", async () => {
    const inst = await ReusableInstance.create(TRANSFORM, { reset: 'never' });
    const c = inst.call(ctor, [10]).value;
    expect(inst.call(tick, [c]).value).toBe(10);
    expect(inst.call(tick, [c]).value).toBe(11);
    expect(inst.call(fn('total'), []).value).toBe(2);
    expect(() => (c as { tick(): number }).tick()).toThrow(expect.objectContaining({ code: 'INVALID_VALUE' }));
    // Its handle cannot be rewritten to name another resource.
    const handle = Object.getOwnPropertySymbols(c as object).find((s) => s.description === 'handle')!;
    for (const forge of [
      () => { (c as Record<symbol, number>)[handle] = 2; },
      () => Object.defineProperty(c, handle, { value: 2 }),
      () => delete (c as Record<symbol, number>)[handle],
      () => Object.setPrototypeOf(c, null),
    ]) expect(forge).toThrow(expect.objectContaining({ code: 'INVALID_VALUE' }));
    inst.call(fn('[drop]counter'), [c]);
    // Dropped: the glue no longer knows its handle.
    expect(() => inst.call(tick, [c])).toThrow(expect.objectContaining({ code: 'INVALID_VALUE' }));
  });

  it('after a rewind, an old handle is a StaleValueError even when a new resource has its handle number', async () => {
    const inst = await ReusableInstance.create(TRANSFORM);
    const first = inst.call(ctor, [10]).value;
    const second = inst.call(ctor, [20]).value; // rewound first: same handle number as `first` had
    expect(inst.call(tick, [second], { reset: 'never' }).value).toBe(20);
    for (const policy of ['never', 'always'] as ResetPolicy[]) {
      expect(() => inst.call(tick, [first], { reset: policy })).toThrow(expect.objectContaining({ name: 'StaleValueError', code: 'STALE_VALUE' }));
    }
    expect(() => (first as { tick(): number }).tick()).toThrow(expect.objectContaining({ code: 'STALE_VALUE' }));
    // Nothing ran: `second` still counts from where it was.
    expect(inst.call(tick, [second], { reset: 'never' }).value).toBe(21);
  });

  it("another instance's resource is refused", async () => {
    const a = await ReusableInstance.create(TRANSFORM, { reset: 'never' });
    const b = await ReusableInstance.create(TRANSFORM, { reset: 'never' });
    const c = a.call(ctor, [1]).value;
    expect(() => b.call(tick, [c])).toThrow(expect.objectContaining({ code: 'STALE_VALUE' }));
  });
});

describe('bad input: typed errors, the host survives, the next call is faithful', () => {
  it.each<[string, unknown]>([
    ['an unknown policy', { reset: 'sometimes' }],
    ['every 0', { reset: { every: 0 } }],
    ['every 1.5', { reset: { every: 1.5 } }],
    ['every with an extra key', { reset: { every: 2, after: 1 } }],
  ])('create with %s -> InvalidOptionsError', async (_, options) => {
    await expect(ReusableInstance.create(TRANSFORM, options as CreateOptions)).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
  });

  it('bad call options, names and arguments', async () => {
    const inst = await ReusableInstance.create(TRANSFORM);
    const fresh = await freshCall(['transform', ['ok']]);
    const bad: [() => unknown, string][] = [
      [() => inst.call('transform', ['x'], { reset: 'later' as never }), 'INVALID_OPTIONS'],
      [() => inst.call('transform', ['x'], { nope: 1 } as never), 'INVALID_OPTIONS'],
      [() => inst.call('transform', 'x' as never), 'INVALID_OPTIONS'],
      [() => inst.call(42 as never, []), 'INVALID_OPTIONS'],
      [() => inst.call('no-such-export', []), 'UNKNOWN_EXPORT'],
      [() => inst.call('transform', []), 'INVALID_VALUE'],
      [() => inst.call('transform', ['a', 'b']), 'INVALID_VALUE'],
      [() => inst.call('transform', [42]), 'INVALID_VALUE'],
      [() => inst.call('transform', [{ toString: () => 'x' }]), 'INVALID_VALUE'],
      [() => inst.call(fn('[method]counter.tick'), [{}]), 'INVALID_VALUE'],
    ];
    for (const [attempt, code] of bad) {
      expect(attempt).toThrow(expect.objectContaining({ code }));
      expect(observed(inst.call('transform', ['ok'])), `after a ${code}`).toEqual(fresh);
    }
    const err = (() => { try { inst.call('nope', []); } catch (e) { return e as { available: string[] }; } })();
    expect(err?.available).toEqual(inst.exportNames());
  });

  it("a wrong argument under 'never' does not reach the guest: its counter is untouched", async () => {
    const inst = await ReusableInstance.create(TRANSFORM, { reset: 'never' });
    inst.call('transform', ['a']);
    expect(() => inst.call('transform', [7])).toThrow(expect.objectContaining({ code: 'INVALID_VALUE' }));
    expect(inst.call('transform', ['b']).value).toBe('2:B');
  });

  it('a host callback cannot re-enter or rewind the instance it runs in', async () => {
    const inst = await ReusableInstance.create(TRANSFORM);
    const inner: unknown[] = [];
    const r = inst.call(fn('shout'), ['x'], {
      onStdout: () => {
        if (inner.length) return;
        for (const attempt of [() => inst.call('transform', ['y']), () => inst.reset(), () => inst.call(fn('total'), [], { reset: 'never' })]) {
          try { attempt(); } catch (e) { inner.push((e as { code?: string }).code); }
        }
      },
    });
    expect(inner).toEqual(['REENTRANT_CALL', 'REENTRANT_CALL', 'REENTRANT_CALL']);
    expect(observed(r)).toEqual(await freshCall([fn('shout'), ['x']]));
    expect(observed(inst.call('transform', ['z']))).toEqual(await freshCall(['transform', ['z']]));
  });

  it('the native preview1 path runs _start only', async () => {
    const hello = new URL('./fixtures/build/hello.wasm', import.meta.url).pathname;
    const inst = await ReusableInstance.create(hello);
    expect(inst.exportNames()).toEqual([]);
    expect(() => inst.call('_start', [])).toThrow(/native preview1 path has run\(\) only/);
  });
});

describe('run() under a policy (a wasi-libc command: its second _start traps)', () => {
  const hello = new URL('./fixtures/build/hello.wasm', import.meta.url).pathname;
  it.each<[string, CreateOptions]>([['native', {}], ['adapter', { preview1: 'adapter' }]])('%s path', async (_, options) => {
    const inst = await ReusableInstance.create(hello, { ...options, reset: 'on-trap' });
    const outcomes = [];
    for (let i = 0; i < 4; i++) {
      const r = await inst.run();
      outcomes.push(r.trap ? 'trap' : `exit ${r.exitCode}`);
    }
    // run 2 hits crt1's run-once guard; run 3 is rewound first, as on-trap says.
    expect(outcomes).toEqual(['exit 0', 'trap', 'exit 0', 'trap']);
    const always = await ReusableInstance.create(hello, options);
    for (let i = 0; i < 3; i++) expect((await always.run()).exitCode).toBe(0);
  });
});
