// The `--reset` flag of `rewind serve`: a reset policy (src/reactor/policy.ts)
// as always, never, on-trap, every=N (also every:N).
import { z } from 'zod';
import { parsePolicy, type ResetPolicy } from '../reactor/policy.js';

export const resetFlag = z.string().transform((v, ctx): ResetPolicy => {
  const policy = parsePolicy(v.replace(/^every:/, 'every='));
  if (!policy) {
    ctx.addIssue({ code: 'custom', message: 'use --reset always|never|on-trap|every=N' });
    return z.NEVER;
  }
  return policy;
});
