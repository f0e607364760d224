export { ReusableInstance, type RunResult, type CallOptions, type CallResult } from './instance.js';
export type { ResetPolicy } from './reactor/policy.js';
export { prepare, prepareComponent, type Prepared, type Preview1Mode } from './prepare.js';
export type { CreateOptions, RunOptions, Strategy } from './options.js';
export * from './errors.js';
export { RewindPool, QueueFullError, QueueTimeoutError, PoolClosedError, type PoolOptions, type PoolRunOptions } from './pool/pool.js';
export { serve, ServeError, type ServeOptions } from './serve/server.js';
export { Lab, type RunDelta } from './lab/lab.js';
