// memoryTracking 'auto': which of three exact memory modes the next runs use.
// All restore exactly, so the choice changes only speed, and only time can
// tell which is fastest for a program: marks cost per store (unknowable
// without running another mode), scan costs a compare of the memory per
// rewind, and scan with real bounds saves every access's check but needs a
// fresh instance after every run that grew the memory. So the chooser
// measures:
//  - a cycle is the runs between two rewinds plus the rewind after them; a
//    sample is the mean cycle time of a batch of cycles lasting at least
//    BATCH_MS (one cycle of a long run, hundreds of a short one), so a GC
//    pause or a cold cache moves one sample, not the choice;
//  - the incumbent mode's last samples are set against a probe of another
//    mode, and the probe's mode stays if its median is clearly lower; a
//    probe goes on while its samples still fall (a module V8 has not yet
//    optimised: the other mode's code runs only in probes);
//  - after a switch the first batch is not a sample (new instance: page
//    faults, code not yet optimised); a switch's own rewind belongs to
//    no mode;
//  - probes cost time when they lose (two fresh instances, and cycles in the
//    slower mode), so they are spaced, per mode: a mode's next probe waits
//    until its last probe's cost is at most a twentieth of the incumbent's
//    time since, and every lost probe doubles that wait (a new incumbent
//    resets them all);
//  - 'real' renews after every cycle that grew the memory: while the cycles
//    grow it and one renewal costs more than an incumbent cycle, 'real'
//    cannot win and is not probed (pandoc: marks win).

export const variants = ['marks', 'scan', 'real'] as const;
export type Variant = (typeof variants)[number];

/** Samples compared per mode (medians). */
const SAMPLES = 3;
/** Shortest batch of cycles one sample covers. */
const BATCH_MS = 1;
/** Incumbent samples before a probe (times the backoff). */
const WAIT = 3;
/** Largest backoff: the factor by which lost probes space the next one. */
const MAX_BACKOFF = 256;
/** A probe wins only if its median is below this share of the incumbent's (no flapping on noise). */
const MARGIN = 0.9;
/** A probe's sample above this multiple of the incumbent's median ends it at once. */
const HOPELESS = 3;
/** Longest probe, in samples (while its samples still fall, see probeVerdict). */
const MAX_PROBE_SAMPLES = 12;
/** Share of the incumbent's time since a mode's last probe that its next probe may cost (divided by the backoff). */
const PROBE_BUDGET = 0.05;

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
};

/** A mode other than the incumbent: when it may be probed next. */
interface Candidate {
  /** Incumbent samples and time since its last probe. */
  since: { samples: number; ms: number };
  /** Doubled by every lost probe. */
  backoff: number;
  /** What its last probe cost (null: none made yet). */
  probeMs: number | null;
}

/** Every mode as a candidate that has not been probed yet. */
const freshCandidates = (): Record<Variant, Candidate> => {
  const candidate = (): Candidate => ({ since: { samples: 0, ms: 0 }, backoff: 1, probeMs: null });
  return { marks: candidate(), scan: candidate(), real: candidate() };
};

export class ModeChooser {
  /** The mode the runs since the last rewind used. */
  variant: Variant = 'marks';
  /** Rewinds that switched mode. */
  switches = 0;
  private incumbent: Variant = 'marks';
  private readonly samples: Record<Variant, number[]> = { marks: [], scan: [], real: [] };
  private candidates = freshCandidates();
  /** Guest time of the runs since the last rewind. */
  private runMs = 0;
  /** The batch under way: cycles and their time; `discard`: the first batch after a switch. */
  private batch = { cycles: 0, ms: 0, discard: false };
  /** What the probe under way has cost so far. */
  private probeCost = 0;
  /** Whether the last cycle grew the memory. */
  private grew = false;

  /** `renewMs`: what a fresh instance of the module costs (its first instantiation). */
  constructor(private renewMs: number) {}

  /** A run (or call) ended after `ms` of guest time. */
  ran(ms: number): void {
    this.runMs += ms;
  }

  /** At a rewind: the mode of the next runs. `grew`: the cycle's runs grew the memory. */
  next(grew: boolean): Variant {
    this.grew = grew;
    if (this.variant !== this.incumbent) return this.probeVerdict();
    const probe = this.due();
    if (!probe) return this.incumbent;
    this.samples[probe] = []; // a probe's samples are its own
    return probe;
  }

  /**
   * The rewind into `variant` took `ms`; `renewed`: it was a fresh instance
   * (a switch, or 'real' after a growing run).
   */
  rewound(ms: number, renewed: boolean, variant: Variant): void {
    if (renewed) this.renewMs = ms;
    const cycle = this.runMs + ms;
    this.runMs = 0;
    const from = this.variant;
    // What a probe cost is what it took beyond the incumbent: its switches' rewinds, and its cycles' excess.
    const excess = from === this.incumbent ? 0 : cycle - median(this.samples[this.incumbent]);
    if (from !== variant) {
      if (from === this.incumbent) this.probeCost = ms;
      else this.candidates[from].probeMs = Math.max(0, this.probeCost + excess);
      this.switches++;
      this.variant = variant;
      this.batch = { cycles: 0, ms: 0, discard: true };
      return;
    }
    this.probeCost += excess;
    this.batch.cycles++;
    this.batch.ms += cycle;
    if (this.batch.ms < BATCH_MS) return;
    const { cycles, ms: total, discard } = this.batch;
    this.batch = { cycles: 0, ms: 0, discard: false };
    if (discard) return;
    const xs = this.samples[variant];
    xs.push(total / cycles);
    if (xs.length > (variant === this.incumbent ? SAMPLES : MAX_PROBE_SAMPLES)) xs.shift();
    if (variant !== this.incumbent) return;
    for (const v of variants) {
      this.candidates[v].since.samples++;
      this.candidates[v].since.ms += total;
    }
  }

  /** The mode to probe now, if one is due, affordable and could win (the least often beaten first). */
  private due(): Variant | null {
    const base = this.samples[this.incumbent];
    if (base.length < SAMPLES) return null;
    let best: Variant | null = null;
    for (const v of variants) {
      if (v === this.incumbent) continue;
      const { since, backoff, probeMs } = this.candidates[v];
      if (since.samples < WAIT * backoff || (probeMs ?? 2 * this.renewMs) * backoff > PROBE_BUDGET * since.ms) continue;
      // 'real' renews after every growing cycle: it cannot beat a cycle shorter than a renewal.
      if (v === 'real' && this.grew && this.renewMs >= median(base)) continue;
      if (!best || backoff < this.candidates[best].backoff) best = v;
    }
    return best;
  }

  private probeVerdict(): Variant {
    const probe = this.samples[this.variant];
    const base = median(this.samples[this.incumbent]);
    const n = probe.length;
    if (n && probe[n - 1]! > HOPELESS * base) return this.probeLost();
    if (n < SAMPLES) return this.variant;
    const recent = median(probe.slice(-SAMPLES));
    if (recent < MARGIN * base) {
      // Probing the old mode again would cost two switches and its cycles' excess.
      this.candidates = freshCandidates();
      this.candidates[this.incumbent].probeMs = 2 * this.renewMs + (SAMPLES + 1) * (base - recent);
      this.samples[this.variant] = probe.slice(-SAMPLES);
      this.incumbent = this.variant;
      return this.incumbent;
    }
    // A mode whose code is still being optimised gets faster sample by sample: it may go on.
    const warming = probe[n - 1]! < MARGIN * probe[0]!;
    return warming && n < MAX_PROBE_SAMPLES ? this.variant : this.probeLost();
  }

  private probeLost(): Variant {
    const c = this.candidates[this.variant];
    c.backoff = Math.min(c.backoff * 2, MAX_BACKOFF);
    c.since = { samples: 0, ms: 0 };
    return this.incumbent;
  }
}
