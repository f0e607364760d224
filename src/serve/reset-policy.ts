// The reset policy of a served wasi:http component, from options or the
// command line ("always", "never", "on-trap", "every:N").
import { z } from 'zod';

export const resetPolicySchema = z.union([
  z.enum(['always', 'never', 'on-trap']),
  z.object({ every: z.number().int().positive() }).strict(),
]);
export type ResetPolicyOption = z.output<typeof resetPolicySchema>;

/** `--reset` flag text to a policy. */
export const resetFlag = z.string().regex(/^(always|never|on-trap|every:[1-9]\d{0,8})$/, 'use --reset always|never|on-trap|every:N')
  .transform((v): ResetPolicyOption => (v.startsWith('every:') ? { every: Number(v.slice(6)) } : v as 'always' | 'never' | 'on-trap'));

export const describePolicy = (p: ResetPolicyOption) => (typeof p === 'string' ? p : `every:${p.every}`);
