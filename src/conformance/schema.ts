// The conformance case format (specs/conformance/*.json), validated with zod.
import { z } from 'zod';

const expectation = z.object({
  exitCode: z.number().int().nullable().optional(),
  stdout: z.string().optional(),
  stdoutMatches: z.string().optional(),
  stderrMatches: z.string().optional(),
  trapMatches: z.string().optional(),
  /** The run equals the same input on a brand-new instance. */
  equalsFresh: z.boolean().default(false),
  /** Every repetition gives the same result. */
  sameEveryRun: z.boolean().default(false),
}).strict();

export const conformanceCaseSchema = z.object({
  name: z.string().min(1),
  program: z.union([z.object({ fixture: z.string().regex(/^[\w-]+$/) }).strict(), z.object({ path: z.string().min(1) }).strict()]),
  /** ReusableInstance create options (validated again by create()). */
  options: z.record(z.string(), z.unknown()).default({}),
  runs: z.array(z.object({
    /** run() options. */
    input: z.record(z.string(), z.unknown()).default({}),
    repeat: z.number().int().positive().max(100_000).default(1),
    expect: expectation,
  }).strict()).min(1),
}).strict();

export type ConformanceCase = z.output<typeof conformanceCaseSchema>;
