// boundsChecks 'real' (native preview1 path): loads and stores are left to
// the engine's check against the real memory. That check is the one a fresh
// instance makes as long as the real memory is the size the guest sees: a
// run starts with both at the snapshot's size, and within the run every
// memory.grow grows both. A memory never shrinks, though: after a run that
// grew it, the next run could reach pages a fresh instance does not have.
// So that run gets a fresh instance of the module instead, rewound to the
// snapshot (StateSnapshot.renewOn). The host state, descriptors included,
// is the instance's own and stays.
import type { ResolvedOptions } from '../options.js';
import type { NativePrepared } from '../prepare.js';

/** A component's core instances live inside jco's glue, which cannot take a replaced one. */
export const COMPONENT_REFUSAL = 'boundsChecks "real" is for wasip1 commands on the native preview1 path (it replaces the instance after a run that grew its memory, which jco\'s glue cannot take): use "virtual" or "unchecked"';

/**
 * Why 'real' cannot be exact for this module, or null. The fresh instance
 * runs the start function again (host calls outside any run), and brings
 * its own tables and reference globals: equal to the snapshot's unless an
 * init may have changed them.
 */
export function realBoundsRefusal(prepared: NativePrepared, options: ResolvedOptions): string | null {
  const what = 'boundsChecks "real" replaces the instance after a run that grew its memory';
  if (prepared.start) return `${what}, which would run the module's start function again: use "virtual" or "unchecked"`;
  const info = prepared.rewound!.info;
  if (options.init && (info.mutatesTables || info.globals.some((g) => g.type === 'ref'))) {
    return `${what}; the init may change tables or reference globals, which a new instance cannot take over: use "virtual" or "unchecked"`;
  }
  return null;
}
