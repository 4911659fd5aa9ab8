// Breakout detection on a product's momentum series (one sample per step of the series): a
// robust z-score for sudden surges and a one-sided CUSUM on the same z for sustained shifts,
// raised only on real growth, once per episode, and corrected across the products tested at the
// same instant. No I/O: a detector per product, fed samples in event-time order.
import { Turns } from '../core/turns.js';
import { benjaminiHochberg, normalUpperTail } from './multiple-testing.js';

export interface BreakoutConfig {
  /** Samples kept as the baseline. */
  window: number;
  /** Samples needed before any alert. */
  minHistory: number;
  /** Robust z at or above which one sample is a breakout. */
  zThreshold: number;
  /** CUSUM allowance k and decision limit h, in robust-z units; z ≤ k also ends an episode. */
  cusumK: number;
  cusumH: number;
  /**
   * How many consecutive samples share data: a momentum compares sums over its last few steps, so
   * each step's window overlaps the previous ones'. k and h are calibrated for independent z's;
   * the sum of n z's that each overlap the next `overlap − 1` ones (correlation 1 − j/overlap at
   * lag j) has about `overlap` times their variance, so the CUSUM adds z / √overlap. With the
   * plain z, hourly momenta of a product with a steady Poisson rate of 0.3–10 events an hour
   * raised 0.4–0.6 alerts a day (test/analytics/breakout.test.ts).
   */
  overlap: number;
  /** Floor of the robust scale (log growth per hour), so a perfectly flat baseline does not make every wiggle infinite. */
  minScale: number;
  /**
   * Benjamini–Hochberg level across the products tested at one instant (feedDetectorsAcross):
   * with every product steady, the chance that an instant raises any alert at all.
   */
  falseDiscoveryRate: number;
}

export const DEFAULT_BREAKOUT: BreakoutConfig = {
  window: 48,
  minHistory: 12,
  zThreshold: 4,
  cusumK: 0.5,
  cusumH: 5,
  overlap: 1,
  minScale: Math.LN2 / 24 / 4,
  falseDiscoveryRate: 0.05,
};

export interface Episode {
  /** Event time of the sample that raised the alert. */
  startedAt: number;
  /** The baseline the episode is measured against, frozen while it lasts. */
  baselineMedian: number;
  baselineScale: number;
}

export interface BreakoutState {
  /** Momentum samples outside episodes, oldest first. */
  history: number[];
  cusum: number;
  /** The breakout under way, if any: no second alert until it ends. */
  episode: Episode | null;
}

export interface BreakoutAlert {
  kind: 'spike' | 'shift';
  at: number;
  /** Momentum (log growth per hour) of the triggering sample: always positive. */
  momentum: number;
  /** Robust z of this momentum against the baseline: (m − median) / max(1.4826·MAD, minScale). */
  z: number;
  cusum: number;
  baselineMedian: number;
  baselineScale: number;
}

/** 1.4826·MAD estimates the standard deviation of normal data while ignoring outliers. */
const MAD_TO_SD = 1.4826;

/** The median of the ascending values s[o..o+n), as simple-statistics computes it (the mean of the middle two as lo + ½·(hi − lo)). */
function medianSorted(s: ArrayLike<number>, o: number, n: number): number {
  const mid = o + ((n - 1) >> 1);
  return n % 2 ? s[mid] : s[mid] + 0.5 * (s[mid + 1] - s[mid]);
}

/**
 * The median absolute deviation of the ascending values s[o..o+n) around their median `med`: deviations grow
 * outward from the median on both sides, so merging the two sides finds the middle one(s) in n/2
 * steps, with the same values (and the same lo + ½·(hi − lo)) as sorting them.
 */
function madSorted(s: ArrayLike<number>, o: number, n: number, med: number): number {
  let r = lowerBound(s, o, n, med);
  let l = r - 1;
  const k = (n - 1) >> 1;
  let dk = 0;
  for (let i = 0; i <= k + 1 - (n % 2); i++) {
    // Number.POSITIVE_INFINITY, not the global `Infinity`: optimized code loads the global as a
    // boxed value, so every deviation beside it was boxed too (~820 bytes of heap per call, one
    // call per product tested each round); the property is a constant it folds in (16 bytes).
    const dl = l >= 0 ? Math.abs(s[o + l] - med) : Number.POSITIVE_INFINITY;
    const dr = r < n ? Math.abs(s[o + r] - med) : Number.POSITIVE_INFINITY;
    let d: number;
    if (dl < dr) { d = dl; l--; } else { d = dr; r++; }
    if (i === k) { dk = d; if (n % 2) return d; } else if (i === k + 1) return dk + 0.5 * (d - dk);
  }
  return dk;
}

/**
 * A baseline window kept in arrival order (a ring) and sorted beside it: a new sample replaces the
 * oldest by shifting only the values between them, so no sort and no allocation per sample.
 */
class Baseline {
  /**
   * The ring in [0, window), the sorted values in [window, 2·window): one array, no views into it.
   * A baseline lives as long as its product's detector (100k of them in the soak): each buffer
   * costs a native allocation, and each view of it ~90 bytes of heap (two subarray views had been
   * 18 MiB at 100k products).
   */
  private readonly values: Float64Array;
  private head = 0;
  length = 0;
  constructor(private readonly window: number) {
    this.values = new Float64Array(2 * window);
  }
  push(m: number): void {
    const v = this.values, w = this.window;
    let i: number;
    if (this.length < w) {
      v[(this.head + this.length) % w] = m;
      i = this.length++;
    } else {
      // The oldest value's slot in the sorted part becomes the new one's, then moves into place.
      i = lowerBound(v, w, this.length, v[this.head]);
      v[this.head] = m;
      this.head = (this.head + 1) % w;
      for (; i + 1 < this.length && v[w + i + 1] < m; i++) v[w + i] = v[w + i + 1];
    }
    for (; i > 0 && v[w + i - 1] > m; i--) v[w + i] = v[w + i - 1];
    v[w + i] = m;
  }
  /** Oldest first. */
  history(): number[] {
    const out = new Array<number>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.values[(this.head + i) % this.window];
    return out;
  }
  median(): number { return medianSorted(this.values, this.window, this.length); }
  mad(med: number): number { return madSorted(this.values, this.window, this.length, med); }
}

/** The first index i in [0, n) with s[o + i] ≥ v (n when none). */
function lowerBound(s: ArrayLike<number>, o: number, n: number, v: number): number {
  let lo = 0, hi = n;
  while (lo < hi) { const m = (lo + hi) >> 1; if (s[o + m] < v) lo = m + 1; else hi = m; }
  return lo;
}

export interface MomentumSample {
  momentum: number;
  /** Event time. */
  at: number;
  /**
   * The momentum's own counting noise (momentumNoise in trend.ts), a floor under the baseline's
   * scale: a baseline of overlapping, discrete momenta at low counts has a MAD well under it.
   */
  noise?: number;
}

/** A sample that passed its own product's thresholds, waiting for the decision across products. */
export interface Candidate extends BreakoutAlert {
  /**
   * One-sided p-value of the sample under a steady baseline, twice the smaller of the spike's
   * P(Z ≥ z) and the CUSUM's stationary tail exp(−2k·S) (the reflected random walk with N(0, 1)
   * steps and drift −k, in the Brownian approximation; Siegmund 1985, ch. II): the two tests of
   * one product, Bonferroni-combined.
   */
  p: number;
}

/**
 * One product's detector, sample by sample: `offer` settles a sample on its own (warm-up, an
 * episode under way, a stored alert, nothing unusual) or returns the candidate that `decide`
 * must settle; feedDetector and feedDetectorsAcross are the two ways of deciding.
 *
 * An alert needs (1) a spike (z ≥ zThreshold) or a sustained shift (CUSUM ≥ h) above the
 * product's own baseline, (2) growth now: momentum at least one baseline scale above zero, so a
 * product that only declines less fast never alerts, and (3) the decision. The alert opens an
 * episode; the baseline freezes until momentum is back within `cusumK` scales of it or stops
 * growing, which ends the episode. A candidate declined stays out of the baseline (a rise must
 * not become its own reference) and the CUSUM keeps its sum, so a rise that goes on offers again
 * with more evidence.
 * The baseline stays sorted across the samples, so rebuilding a product from its stored history
 * costs one insertion per sample, not a median and MAD by sorting.
 *
 * `raised` holds the times of alerts already stored for these samples (a re-score after late
 * events folds buckets it alerted on before). Those stand: a stored alert opens its episode as
 * if raised now, and an alert this fold would raise for an episode that reaches a stored one is
 * the same surge seen through changed data, so it is dropped: one alert per surge.
 *
 * A detector lives as long as its product is watched (processors/breakouts.ts keeps one per
 * product) and each fold goes on from where the last one left it (`begin`). A state snapshot per
 * product and fold, rebuilt into a new detector the next time, had made 100k products' worth of
 * arrays per scoring round (about 2 KB a product, the baselines' off the V8 heap). A detector
 * starts empty; a product's past is rebuilt by feeding it the stored samples.
 */
export class BreakoutDetector {
  private readonly base: Baseline;
  private config: BreakoutConfig;
  private raised: ReadonlySet<number> | undefined;
  /** Raised by the fold under way (since `begin`). */
  alerts: BreakoutAlert[] = [];
  /** Whether the episode under way was opened by the last alert in `alerts`. */
  private openedHere = false;
  private cusum = 0;
  private episode: Episode | null = null;
  /** The baseline's window is `config.window` for good; a later fold may change the other settings. */
  constructor(config: BreakoutConfig, raised?: ReadonlySet<number>) {
    this.base = new Baseline(config.window);
    this.config = config;
    this.raised = raised;
  }

  /** Starts a fold of further samples: alerts are this fold's, `raised` the ones stored for its samples. */
  begin(config: BreakoutConfig, raised?: ReadonlySet<number>): void {
    if (config.window !== this.config.window) throw new RangeError(`a detector's baseline window is ${this.config.window}, not ${config.window}`);
    this.config = config;
    this.raised = raised;
    this.alerts = [];
    this.openedHere = false;
  }

  /** 'settled', or 'tested' (a test that did not reach the thresholds), or the candidate to decide. */
  offer(m: number, at: number, noise = 0): 'settled' | 'tested' | Candidate {
    const { config, base } = this;
    const stored = this.raised?.has(at) ?? false;
    if (this.episode) {
      if (stored && this.openedHere) { this.alerts.pop(); this.openedHere = false; }
      const z = (m - this.episode.baselineMedian) / this.episode.baselineScale;
      if (z <= config.cusumK || m <= 0) { base.push(m); this.cusum = 0; this.episode = null; this.openedHere = false; }
      return 'settled';
    }
    if (base.length < config.minHistory && !(stored && base.length)) { base.push(m); return 'settled'; }
    const baselineMedian = base.median();
    const baselineScale = Math.max(MAD_TO_SD * base.mad(baselineMedian), config.minScale, noise);
    const z = (m - baselineMedian) / baselineScale;
    const next = Math.max(0, this.cusum + z / Math.sqrt(config.overlap) - config.cusumK);
    const kind = z >= config.zThreshold ? 'spike' : next >= config.cusumH ? 'shift' : null;
    if (stored) {
      this.openedHere = false;
      this.cusum = 0;
      this.episode = { startedAt: at, baselineMedian, baselineScale };
      return 'settled';
    }
    if (!kind || m < baselineScale) { base.push(m); this.cusum = next; return 'tested'; }
    const p = Math.min(1, 2 * Math.min(normalUpperTail(z), Math.exp(-2 * config.cusumK * next)));
    return { kind, at, momentum: m, z, cusum: next, baselineMedian, baselineScale, p };
  }

  decide(c: Candidate, raise: boolean): void {
    if (!raise) { this.cusum = c.cusum; return; }
    const { p: _p, ...alert } = c;
    this.alerts.push(alert);
    this.openedHere = true;
    this.cusum = 0;
    this.episode = { startedAt: c.at, baselineMedian: c.baselineMedian, baselineScale: c.baselineScale };
  }

  /** What the detector holds now: the reference tests compare it, to the bit, with the detector as first written. */
  state(): BreakoutState { return { history: this.base.history(), cusum: this.cusum, episode: this.episode }; }
}

/** Feeds a detector its samples (event-time order), new or after `begin`, each candidate settled by `decide`. */
export function feedDetector(d: BreakoutDetector, samples: readonly MomentumSample[], decide: (c: Candidate) => boolean): void {
  for (const { momentum, at, noise } of samples) {
    const c = d.offer(momentum, at, noise);
    if (typeof c === 'object') d.decide(c, decide(c));
  }
}

/** A stream of samples for a detector that goes on from its last fold (begun with `config` and `raised`). */
export interface DetectorStream {
  detector: BreakoutDetector;
  /** Event-time order. */
  samples: readonly MomentumSample[];
}

/**
 * Many products at once, instant by instant: at each event time the candidates of every product
 * tested then are corrected together by Benjamini–Hochberg at `config.falseDiscoveryRate`, so
 * that among the alerts of one instant the expected share of false ones stays under it, however
 * many products are watched (the per-unit CUSUM p-values with an FDR step across units of
 * Marshall, Best, Bottle & Aylin 2004, "Statistical issues in the prospective monitoring of
 * health outcomes across multiple units", JRSS A 167(3)). The family at an instant is every
 * product tested then (not in an episode, past warm-up), or `familyAt(at)` when that is larger:
 * a re-score of a few products is corrected as one of the whole market it was first scored in.
 * Alone (one product, a family of 1) it is feedDetector raising every candidate. The detectors
 * (each begun for this fold) go on from their state, and hold the alerts.
 *
 * The event loop gets turns between products (100k of them held it seconds at a time): the
 * detectors must be left to this fold until it resolves.
 */
export async function feedDetectorsAcross(streams: readonly DetectorStream[], config: BreakoutConfig = DEFAULT_BREAKOUT, familyAt?: (at: number) => number): Promise<void> {
  const turns = new Turns();
  const next = new Int32Array(streams.length);
  const at = new Map<number, number[]>();
  await turns.each(streams, (s, i) => { for (const x of s.samples) { const l = at.get(x.at); if (l) l.push(i); else at.set(x.at, [i]); } });
  for (const t of [...at.keys()].sort((a, b) => a - b)) {
    let tested = 0;
    const found: { i: number; c: Candidate }[] = [];
    // Every product's offer at t first: the decision corrects them all together.
    await turns.each(at.get(t)!, (i) => {
      const x = streams[i].samples[next[i]++];
      const c = streams[i].detector.offer(x.momentum, t, x.noise);
      if (c === 'settled') return;
      tested++;
      if (c !== 'tested') found.push({ i, c });
    });
    if (!found.length) continue;
    const adjusted = benjaminiHochberg(found.map((f) => f.c.p), Math.max(tested, familyAt?.(t) ?? 0));
    found.forEach(({ i, c }, j) => streams[i].detector.decide(c, adjusted[j] <= config.falseDiscoveryRate));
  }
}
