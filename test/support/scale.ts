// Repetition counts in long tests scale with REWIND_TEST_SCALE (default 1):
// the mutation-testing config runs the same tests with far fewer repetitions.
const factor = Number(process.env.REWIND_TEST_SCALE ?? 1);

export function scaled(count: number, min = 2): number {
  return Math.max(min, Math.round(count * (Number.isFinite(factor) && factor > 0 ? factor : 1)));
}
