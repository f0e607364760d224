// Reset policies: when a reused instance is rewound before a call. 'always'
// (the default) rewinds before every call that follows another, so each call
// sees a fresh instance; the others trade that guarantee for carried-over
// state and are explicit choices (see specs/semantics.md, "Reset policies").
import { z } from 'zod';

export type ResetPolicy = 'always' | 'never' | 'on-trap' | { every: number };

export const resetPolicySchema: z.ZodType<ResetPolicy> = z.union([
  z.enum(['always', 'never', 'on-trap']),
  z.object({ every: z.number().int().positive().max(2 ** 32 - 1) }).strict(),
]);

/** What the instance remembers since its last rewind, to apply a policy. */
export interface SinceReset {
  /** Calls (runs included) made since the instance was last rewound or created. */
  calls: number;
  /** One of those calls trapped, exited, or failed in the host. */
  failed: boolean;
}

/** Whether a call under `policy` must rewind the instance first (only asked when it is dirty). */
export function wantsReset(policy: ResetPolicy, since: SinceReset): boolean {
  if (policy === 'always') return true;
  if (policy === 'never') return false;
  if (policy === 'on-trap') return since.failed;
  // A trapped instance cannot be entered again: the N calls' shared state ends there.
  return since.calls >= policy.every || since.failed;
}

/** A policy in the form the CLI and messages use: always, never, on-trap, every=N. */
export function formatPolicy(policy: ResetPolicy): string {
  return typeof policy === 'string' ? policy : `every=${policy.every}`;
}

/** Parses formatPolicy's form (CLI flags); null when it is not one. */
export function parsePolicy(text: string): ResetPolicy | null {
  if (text === 'always' || text === 'never' || text === 'on-trap') return text;
  const m = /^every=([1-9][0-9]{0,9})$/.exec(text);
  return m && Number(m[1]) <= 2 ** 32 - 1 ? { every: Number(m[1]) } : null;
}
