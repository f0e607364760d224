// The differential corpus every memory mode runs (memory-modes.test.ts,
// memory-auto.test.ts): each fixture with its options and inputs.
import type { CreateOptions, RunOptions } from '../../src/index.js';
import type { Fixture } from '../helpers.js';

export const MODE_CORPUS: [Fixture, CreateOptions, RunOptions[]][] = [
  ['hello', {}, [{}]],
  ['grow', {}, [{ args: ['0'] }, { args: ['12'] }, { args: ['3'] }]],
  ['files', { dirs: { '/data': { 'seed.txt': 'seed' } } }, [{ args: ['a.txt', 'one'] }, { args: ['seed.txt', '+more'] }]],
  ['faults', {}, [{ args: ['none'] }, { args: ['oob'] }, { args: ['stack'] }, { args: ['unreachable'] }]],
  ['secret', { dirs: { '/data': {} } }, [{ args: ['plant', 'abc123'] }, { args: ['scan', 'abc123'] }]],
  ['sieve', { init: 'wizer.initialize' }, [{ args: ['10'] }, { args: ['100000'] }]],
  ['cgi', {}, [{ env: { REQUEST_METHOD: 'GET', PATH_INFO: '/a' } }, { stdin: 'body', env: { REQUEST_METHOD: 'POST', PATH_INFO: '/b' } }]],
  ['js-wordfreq', {}, [{ stdin: 'a b a' }, { stdin: 'the cat and the hat' }]],
  ['hello-component', {}, [{}]],
];

/** Components run on jco's glue, whose core instances cannot be replaced (no real bounds; auto stays in marks). */
export const COMPONENTS = new Set<Fixture>(['js-wordfreq', 'hello-component']);
