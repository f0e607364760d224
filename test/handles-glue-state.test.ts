// GlueState (src/glue/state.ts) on bindings shaped like jco's glue: handle
// tables (arrays carrying a `_createdReps` Set), capture maps, counters in
// `let` bindings, instance-flag globals, plain bookkeeping objects, and
// export objects that are API, not state. Each kind is changed the way a run
// changes it, then restore() must give back the same objects with the same
// contents (closures hold them by reference).
import { describe, expect, it } from 'vitest';
import { GLUE_STATE_KEY, type GlueBindings } from '../src/glue/patch.js';
import { GlueState, isApi } from '../src/glue/state.js';

/** Bindings over a scope object: `lets` get setters, like `let` declarations in the glue. */
function bindings(scope: Record<string, unknown>, lets: string[]): GlueBindings {
  const get: GlueBindings['get'] = {};
  const set: GlueBindings['set'] = {};
  for (const name of Object.keys(scope)) {
    get[name] = () => scope[name];
    if (lets.includes(name)) set[name] = (v) => { scope[name] = v; };
  }
  return { get, set };
}

function jcoLikeScope() {
  const handleTable = Object.assign([0x40000000, 0, 0, 5 | 0x40000000], { _createdReps: new Set([5]), _componentIdx: 0 });
  return {
    handleTable,
    captureTable: new Map<number, object>([[5, { name: 'stdout' }]]),
    emptyMap: new Map<number, string>(),
    reps: new Set(['a']),
    emptySet: new Set<string>(),
    bookkeeping: { next: 1, label: 'x' } as Record<string, unknown>,
    captureCnt: 5,
    flag: new WebAssembly.Global({ value: 'i32', mutable: true }, 1),
    constNumber: 7,
    exportsObject: { run: () => 0 } as Record<string, unknown>,
    noValue: null as unknown,
    unset: undefined as unknown,
    trapped: false,
    taskName: 'idle',
    bigCounter: 10n,
    // A table with two-digit slots: every numeric key is an element, not a property.
    bigTable: Object.assign(Array.from({ length: 12 }, (_, i) => i), { _createdReps: new Set<number>() }),
  };
}

const LETS = ['captureCnt', 'captureTable', 'bookkeeping', 'noValue', 'handleTable', 'unset', 'trapped', 'taskName', 'bigCounter'];

describe('GlueState', () => {
  it('puts every kind of binding back after a run changed it, keeping object identity', () => {
    const scope = jcoLikeScope();
    const original = {
      table: [...scope.handleTable], reps: [...scope.handleTable._createdReps], capture: [...scope.captureTable],
      captureObjects: [...scope.captureTable.values()],
    };
    const objects = { ...scope };
    const state = new GlueState(bindings(scope, LETS));
    // A run: new handles, a freed slot, a changed table property, captures, counters, flags.
    scope.handleTable.push(0, 6 | 0x40000000);
    scope.handleTable[0] = 2 | 0x40000000;
    scope.handleTable._createdReps.add(6);
    scope.handleTable._componentIdx = 3;
    scope.captureTable.set(6, { name: 'dir' });
    scope.captureTable.set(5, { name: 'replaced' });
    scope.emptyMap.set(1, 'x');
    scope.reps.delete('a');
    scope.reps.add('b');
    scope.emptySet.add('y');
    scope.bookkeeping.next = 2;
    scope.bookkeeping.added = true;
    delete scope.bookkeeping.label;
    scope.captureCnt = 6;
    scope.flag.value = 0;
    scope.noValue = { now: 'set' };
    scope.unset = 1;
    scope.trapped = true;
    scope.taskName = 'running';
    scope.bigCounter = 11n;
    scope.bigTable[11] = 99;
    scope.bigTable.push(12);
    state.restore();
    expect({ unset: scope.unset, trapped: scope.trapped, taskName: scope.taskName, bigCounter: scope.bigCounter })
      .toEqual({ unset: undefined, trapped: false, taskName: 'idle', bigCounter: 10n });
    expect([...scope.bigTable]).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(scope.handleTable).toBe(objects.handleTable);
    expect([...scope.handleTable]).toEqual(original.table);
    expect(scope.handleTable._createdReps).toBe(objects.handleTable._createdReps);
    expect([...scope.handleTable._createdReps]).toEqual(original.reps);
    expect(scope.handleTable._componentIdx).toBe(0);
    expect(scope.captureTable).toBe(objects.captureTable);
    expect([...scope.captureTable]).toEqual(original.capture);
    expect(scope.captureTable.get(5)).toBe(original.captureObjects[0]);
    expect(scope.emptyMap.size).toBe(0);
    expect([...scope.reps]).toEqual(['a']);
    expect(scope.emptySet.size).toBe(0);
    expect(scope.bookkeeping).toBe(objects.bookkeeping);
    expect(scope.bookkeeping).toEqual({ next: 1, label: 'x' });
    expect(scope.captureCnt).toBe(5);
    expect(scope.flag.value).toBe(1);
    expect(scope.noValue).toBeNull();
  });

  it('restores a container binding that a run replaced with a new object', () => {
    const scope = jcoLikeScope();
    const { captureTable, bookkeeping, handleTable } = scope;
    const state = new GlueState(bindings(scope, LETS));
    scope.captureTable = new Map();
    scope.bookkeeping = {};
    scope.handleTable = Object.assign([1, 2], { _createdReps: new Set<number>(), _componentIdx: 9 });
    captureTable.set(99, {});
    state.restore();
    expect(scope.captureTable).toBe(captureTable);
    expect([...scope.captureTable.keys()]).toEqual([5]);
    expect(scope.bookkeeping).toBe(bookkeeping);
    expect(scope.handleTable).toBe(handleTable);
  });

  it('restores a Map or Set whose size is unchanged but whose entries differ', () => {
    const scope = jcoLikeScope();
    const state = new GlueState(bindings(scope, LETS));
    const first = scope.captureTable.get(5);
    scope.captureTable.delete(5);
    scope.captureTable.set(7, first!);
    scope.reps.delete('a');
    scope.reps.add('z');
    scope.handleTable[3] = 9 | 0x40000000; // same length, different slot
    state.restore();
    expect([...scope.captureTable]).toEqual([[5, first]]);
    expect([...scope.reps]).toEqual(['a']);
    expect(scope.handleTable[3]).toBe(5 | 0x40000000);
    // Same key, other value.
    scope.captureTable.set(5, { other: true });
    state.restore();
    expect(scope.captureTable.get(5)).toBe(first);
  });

  it('compares every entry before skipping a restore (one changed entry of many is enough)', () => {
    const scope = { two: new Map([[1, 'a'], [2, 'b']]), pair: new Set(['x', 'y']), row: [1, 2, 3] };
    const state = new GlueState(bindings(scope, []));
    scope.two.set(2, 'changed'); // same size, first entry equal
    scope.pair.delete('y');
    scope.pair.add('z'); // same size, first element equal
    scope.row.splice(0, 3, 7, 8, 9); // same length, every slot changed
    state.restore();
    expect([...scope.two]).toEqual([[1, 'a'], [2, 'b']]);
    expect([...scope.pair]).toEqual(['x', 'y']);
    expect(scope.row).toEqual([1, 2, 3]);
  });

  it('restores an array that a run shortened or lengthened, with no holes left', () => {
    const scope = { shorter: [1, 2, 3, 4], longer: [5, 6], object: { a: 1 } };
    const state = new GlueState(bindings(scope, []));
    scope.shorter.length = 1;
    scope.longer.push(7, 8, 9);
    state.restore();
    expect(scope.shorter).toEqual([1, 2, 3, 4]);
    expect(scope.longer).toEqual([5, 6]);
    expect(Object.keys(scope.shorter)).toEqual(['0', '1', '2', '3']);
    state.verify();
  });

  it('treats null-prototype objects as state', () => {
    const dict = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    const scope = { dict };
    const state = new GlueState(bindings(scope, []));
    dict.a = 2;
    dict.b = 3;
    state.restore();
    expect({ ...dict }).toEqual({ a: 1 });
  });

  it('leaves constants, values without a setter and API objects alone', () => {
    const scope = jcoLikeScope();
    const state = new GlueState(bindings(scope, LETS));
    scope.constNumber = 8; // a const binding has no setter: nothing to put back
    scope.exportsObject.extra = 1;
    state.restore();
    expect(scope.constNumber).toBe(8);
    expect(scope.exportsObject.extra).toBe(1);
  });

  it('restores only the named bindings when asked', () => {
    const scope = jcoLikeScope();
    const state = new GlueState(bindings(scope, LETS));
    scope.captureCnt = 9;
    scope.emptyMap.set(1, 'x');
    state.restore(new Set(['captureCnt']));
    expect(scope.captureCnt).toBe(5);
    expect(scope.emptyMap.size).toBe(1);
    state.restore();
    expect(scope.emptyMap.size).toBe(0);
  });

  it('counts container entries, handle tables with their created reps', () => {
    const scope = jcoLikeScope();
    const state = new GlueState(bindings(scope, LETS));
    // handleTable 4 + 1 rep, captureTable 1, emptyMap 0, reps 1, emptySet 0, bookkeeping 2 keys, bigTable 12
    expect(state.size()).toBe(21);
    scope.handleTable.push(0, 1);
    scope.handleTable._createdReps.add(1);
    scope.emptySet.add('q');
    scope.bookkeeping.more = 1;
    expect(state.size()).toBe(26);
    state.restore();
    expect(state.size()).toBe(21);
  });

  it('tells API objects (exports, core instance exports) from state', () => {
    expect(isApi({ run: () => 0 })).toBe(true);
    expect(isApi({ memory: new WebAssembly.Memory({ initial: 1 }) })).toBe(true);
    expect(isApi({ [GLUE_STATE_KEY]: {} })).toBe(true);
    expect(isApi({ count: 1, list: [] })).toBe(false);
    expect(isApi([() => 0])).toBe(false);
    expect(isApi(null)).toBe(false);
    expect(isApi('run')).toBe(false);
  });
});
