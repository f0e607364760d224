// memoryTracking 'auto' (native preview1 path): the instance runs in one of
// three exact modes, marks, scan (both with virtual bounds) or scan with real
// bounds, and may switch at a rewind (src/backend/mode-chooser.ts decides
// when). A switch is what boundsChecks 'real' already does after a growing
// run: a fresh instance of the module rewritten for the other mode, rewound
// to the same snapshot (StateSnapshot.renewOn), sharing the host. 'real'
// itself needs that renewal after every run that grew the memory.
import { performance } from 'node:perf_hooks';
import type { Rewound } from '../prepare.js';
import type { Live } from './live.js';
import { ModeChooser, type Variant } from './mode-chooser.js';

/** Where choosers come from (a test can swap in one that switches at every rewind). */
export const choosers = { create: (instantiateMs: number): ModeChooser => new ModeChooser(instantiateMs) };

/** How stats() names the modes (memoryTracking and boundsChecks). */
const LABELS = { marks: 'marks', scan: 'scan', real: 'scan+real' } as const;

/** A fresh instance of `rewound` rewound to `old`'s snapshot, sharing its host. */
export type Renew = (old: Live, rewound: Rewound) => { live: Live; chunks: number };

/** Makes `live` (in marks) switch between `variants`; `instantiateMs`: what its instantiation took. */
export function autoRewind(live: Live, variants: Record<Variant, Rewound>, renew: Renew, instantiateMs: number): void {
  const chooser = choosers.create(instantiateMs);
  live.ran = (ms) => chooser.ran(ms);
  live.memoryMode = () => ({ mode: LABELS[chooser.variant], switches: chooser.switches });
  attach(live, variants, renew, chooser);
}

function attach(live: Live, variants: Record<Variant, Rewound>, renew: Renew, chooser: ModeChooser): void {
  live.rewind = () => {
    const start = performance.now();
    const memories = live.parts!.linker.memories;
    const from = chooser.variant;
    const to = chooser.next(memories.some((m) => m.grown));
    const renewing = to !== from || (to === 'real' && memories.some((m) => m.outgrown));
    let next = { live, chunks: 0 };
    if (renewing) {
      next = renew(live, variants[to]);
      attach(next.live, variants, renew, chooser);
    } else next.chunks = live.snapshot!.restore();
    chooser.rewound(performance.now() - start, renewing, to);
    return next;
  };
}
