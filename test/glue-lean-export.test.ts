// Lean exports (src/glue/lean-export.ts) on small glue written in jco's
// shapes: a wrapper is made lean only when nothing the core instances import,
// and nothing the wrapper runs, can reach the current-task state; every
// other case keeps jco's code. The lean glue is run too: its export calls the
// core export without making a task.
import { describe, expect, it } from 'vitest';
import { importFromBytes } from '../src/cache/entry.js';
import { leanExports } from '../src/glue/lean-export.js';

const WRAPPER = `
    const hostProvided = false;
    const [task, _wasm_call_currentTaskID] = createNewCurrentTask({ componentIdx: 0, isAsync: false, isManualAsync: false, callingWasmExport: true });
    task.setCalleeIsAsync(false);
    task.enterSync();
    return _withGlobalCurrentTaskMeta({ taskID: task.id(), componentIdx: task.componentIdx(), fn: () => {
      let ret;
      try {
        ret = _withGlobalCurrentTaskMeta({ taskID: task.id(), componentIdx: task.componentIdx(), fn: () => exports0.run() });
      } catch (err) {
        task.setErrored(err); task.reject(err); task.exit();
        throw err;
      }
      task.resolve([ret]);
      task.exit();
      return ret;
    } });`;

/** A glue module in jco's shape: task helpers, one builtin the core instance imports, one export wrapper. */
function glue({ builtin = 'return 1;', wrapper = WRAPPER, extra = '' } = {}): string {
  return `
export function instantiate(getCoreModule, imports, instantiateCore) {
  const ASYNC_TASKS_BY_COMPONENT_IDX = new Map();
  globalThis.__leanExportTasks = 0;
  function createNewCurrentTask(args) {
    globalThis.__leanExportTasks++;
    const task = { setCalleeIsAsync() {}, enterSync() {}, id: () => 1, componentIdx: () => 0, resolve() {}, exit() {}, setErrored() {}, reject() {} };
    ASYNC_TASKS_BY_COMPONENT_IDX.set(0, [task]);
    return [task, 1];
  }
  function getCurrentTask(componentIdx) { return ASYNC_TASKS_BY_COMPONENT_IDX.get(componentIdx)?.at(-1); }
  function _withGlobalCurrentTaskMeta(args) { return args.fn(); }
  ${extra}
  function builtin() { ${builtin} }
  let exports0;
  function run() { ${wrapper} }
  ({ exports: exports0 } = instantiateCore(getCoreModule('m'), { host: { f: builtin } }));
  return { run };
}
`;
}

async function call(source: string): Promise<{ value: unknown; tasks: number }> {
  const { instantiate } = await importFromBytes<{ instantiate: (...a: unknown[]) => { run(): unknown } }>(Buffer.from(source));
  const exports = instantiate(() => null, {}, () => ({ exports: { run: () => 42 } }));
  const value = exports.run();
  return { value, tasks: (globalThis as Record<string, unknown>).__leanExportTasks as number };
}

describe('lean exports', () => {
  it('make a sync wrapper call the core export without a task', async () => {
    const source = glue();
    const lean = leanExports(source);
    expect(lean.exports).toBe(1);
    expect(lean.source).toContain('const task = _rewindLeanExportTask;');
    expect(lean.source).not.toMatch(/return _withGlobalCurrentTaskMeta\(/);
    expect(await call(source)).toEqual({ value: 42, tasks: 1 });
    expect(await call(lean.source)).toEqual({ value: 42, tasks: 0 });
  });

  const refused: [string, Parameters<typeof glue>[0]][] = [
    ['an import that reads the current task', { builtin: 'return getCurrentTask(0);' }],
    ['an import that reaches it through a helper', { builtin: 'return helper();', extra: 'function helper() { return CURRENT_TASK_META[0]; } const CURRENT_TASK_META = {};' }],
    ['an import that reaches it through a function assigned later', { builtin: 'return h();', extra: 'let h; h = () => getCurrentTask(0);' }],
    ['an import whose JSPI branch can run (manuallyAsync is set)', {
      builtin: 'const f = builtin.manuallyAsync ? getCurrentTask : () => 1; return f();', extra: 'builtin.manuallyAsync = true;',
    }],
    ['a wrapper that asks its task for anything else', { wrapper: WRAPPER.replace('task.enterSync();', 'task.enterSync(); task.addBorrowedHandle();') }],
    ['a wrapper that passes its task on', { wrapper: WRAPPER.replace('task.enterSync();', 'task.enterSync(); keep(task);'), extra: 'function keep() {}' }],
    ['a wrapper that uses the task id', { wrapper: WRAPPER.replace('task.enterSync();', 'task.enterSync(); keep(_wasm_call_currentTaskID);'), extra: 'function keep() {}' }],
    ['a wrapper of an async export', { wrapper: WRAPPER.replace('isAsync: false', 'isAsync: true') }],
    ['a wrapper whose current-task call passes more than the task and fn', { wrapper: WRAPPER.replace('fn: () => exports0.run()', 'fn: () => exports0.run(), extra: 1') }],
    ['a wrapper that reads the current task itself', { wrapper: WRAPPER.replace('task.enterSync();', 'task.enterSync(); getCurrentTask(0);') }],
  ];
  for (const [what, parts] of refused) {
    it(`keep jco's code for ${what}`, () => {
      const source = glue(parts);
      expect(leanExports(source)).toEqual({ source, exports: 0 });
    });
  }

  it('leave a never-taken JSPI branch out of the reach', () => {
    const source = glue({ builtin: 'const f = builtin.manuallyAsync ? getCurrentTask : () => 1; return f();' });
    expect(leanExports(source).exports).toBe(1);
  });

  it('keep a wrapper that calls one kept as jco wrote it (and only that one)', () => {
    const other = WRAPPER.replace('task.enterSync();', 'task.enterSync(); task.addBorrowedHandle();');
    const calling = WRAPPER.replace('task.enterSync();', 'task.enterSync(); other();');
    const source = glue({ wrapper: calling, extra: `function other() { ${other} } function third() { ${WRAPPER} }` });
    const lean = leanExports(source);
    expect(lean.exports).toBe(1); // third
    expect(lean.source).toContain(`function other() { ${other} }`);
    expect(lean.source).toContain(`function run() { ${calling} }`);
  });
});
