// The reuse hint (specs/wit/reuse.wit): a component exporting
// wasi-rewind:reuse/hint declares the reset policy it wants. jco lifts the
// reset-policy variant as { tag, val }.
import type { ResetPolicy } from './policy.js';

/** The policy a hint's return value names, or null when it names none. */
export function policyFromHint(value: unknown): ResetPolicy | null {
  if (value === null || typeof value !== 'object') return null;
  const { tag, val } = value as { tag?: unknown; val?: unknown };
  if (tag === 'always' || tag === 'never' || tag === 'on-trap') return tag;
  if (tag === 'every' && typeof val === 'number' && Number.isInteger(val) && val >= 1) return { every: val };
  return null;
}
