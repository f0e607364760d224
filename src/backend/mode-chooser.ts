// memoryTracking 'auto': which of two exact memory modes the next runs use.
// Both restore exactly, so the choice changes only speed, and only time can
// tell which is faster for a program: marks cost per store (unknowable
// without running the other mode), scan + real bounds cost a compare of the
// whole memory per rewind and a fresh instance after every run that grew the
// memory. So the chooser measures:
//  - a cycle is the runs between two rewinds plus the rewind after them; a
//    sample is the mean cycle time of a batch of cycles lasting at least
//    BATCH_MS (one cycle of a long run, hundreds of a short one), so a GC
//    pause or a cold cache moves one sample, not the choice;
//  - the incumbent mode's last samples are set against a probe of the other
//    mode, and the probe's mode stays if its median is clearly lower; a
//    probe goes on while its samples still fall (a module V8 has not yet
//    optimised: the other mode's code runs only in probes);
//  - after a switch the first batch is not a sample (new instance: page
//    faults, code not yet optimised); a switch's own rewind belongs to
//    neither mode;
//  - probes cost time when they lose (two fresh instances, and cycles in the
//    slower mode), so they are spaced: the next probe waits until the last
//    one's cost is at most a twentieth of the incumbent's time since, and
//    every lost probe doubles that wait (a won probe resets it);
//  - 'real' renews after every cycle that grew the memory: while the cycles
//    grow it and one renewal costs more than an incumbent cycle, 'real'
//    cannot win and is not probed (pandoc: marks win).

export type Variant = 'marks' | 'real';

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
/** Share of the incumbent's time since the last probe that a probe may cost (divided by the backoff). */
const PROBE_BUDGET = 0.05;

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
};

const other = (v: Variant): Variant => (v === 'marks' ? 'real' : 'marks');

export class ModeChooser {
  /** The mode the runs since the last rewind used. */
  variant: Variant = 'marks';
  /** Rewinds that switched mode. */
  switches = 0;
  private incumbent: Variant = 'marks';
  private readonly samples: Record<Variant, number[]> = { marks: [], real: [] };
  /** Guest time of the runs since the last rewind. */
  private runMs = 0;
  /** The batch under way: cycles and their time; `discard`: the first batch after a switch. */
  private batch = { cycles: 0, ms: 0, discard: false };
  /** Incumbent samples and time since the last probe ended; the spacing factor, doubled by every lost probe. */
  private since = { samples: 0, ms: 0 };
  private backoff = 1;
  /** What the last probe cost (null: none made yet); `probeCost` sums the one under way. */
  private probeMs: number | null = null;
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
    if (this.since.samples >= WAIT * this.backoff && this.probeWorthIt()) return this.startProbe();
    return this.incumbent;
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
      else this.probeMs = Math.max(0, this.probeCost + excess);
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
    if (variant === this.incumbent) {
      this.since.samples++;
      this.since.ms += total;
    }
  }

  private startProbe(): Variant {
    this.samples[other(this.incumbent)] = [];
    return other(this.incumbent);
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
      this.probeMs = 2 * this.renewMs + (SAMPLES + 1) * (base - recent);
      this.samples[this.variant] = probe.slice(-SAMPLES);
      this.incumbent = this.variant;
      this.backoff = 1;
      this.since = { samples: 0, ms: 0 };
      return this.incumbent;
    }
    // A mode whose code is still being optimised gets faster sample by sample: it may go on.
    const warming = probe[n - 1]! < MARGIN * probe[0]!;
    return warming && n < MAX_PROBE_SAMPLES ? this.variant : this.probeLost();
  }

  private probeLost(): Variant {
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF);
    this.since = { samples: 0, ms: 0 };
    return this.incumbent;
  }

  /** Whether a probe now is affordable and could win. */
  private probeWorthIt(): boolean {
    if ((this.probeMs ?? 2 * this.renewMs) * this.backoff > PROBE_BUDGET * this.since.ms) return false;
    return !(this.incumbent === 'marks' && this.grew && this.renewMs >= median(this.samples.marks));
  }
}
