// memoryTracking 'auto' switches mode only when its timing says so; these
// tests make it switch on a fixed pattern instead, so that every transition
// between its three modes (and from each to itself: 'real' renews after a
// growing run) happens at known rewinds, whatever the machine's speed.
import { choosers } from '../../src/backend/auto.js';
import { ModeChooser, type Variant } from '../../src/backend/mode-chooser.js';
import type { CreateOptions } from '../../src/index.js';

/** From marks, every transition between the three modes (9 ordered pairs), in 9 rewinds. */
export const PATTERN: readonly Variant[] = ['scan', 'scan', 'real', 'real', 'marks', 'marks', 'real', 'scan', 'marks'];

/** The options of an instance that switches on PATTERN (create it inside switching()). */
export const AUTO: CreateOptions = { memoryTracking: 'auto' };

class PatternChooser extends ModeChooser {
  private k = 0;
  constructor(private readonly pattern: readonly Variant[]) {
    super(0);
  }

  override next(): Variant {
    return this.pattern[this.k++ % this.pattern.length]!;
  }
}

/** Runs `make` with every 'auto' instance it creates switching on `pattern`. */
export async function switching<T>(make: () => Promise<T>, pattern: readonly Variant[] = PATTERN): Promise<T> {
  const create = choosers.create;
  choosers.create = () => new PatternChooser(pattern);
  try {
    return await make();
  } finally {
    choosers.create = create;
  }
}
