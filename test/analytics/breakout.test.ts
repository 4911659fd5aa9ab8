import { describe, it, expect } from 'vitest';
import { median, medianAbsoluteDeviation } from 'simple-statistics';
import { BreakoutDetector, DEFAULT_BREAKOUT, feedDetector, feedDetectorsAcross, type BreakoutAlert, type BreakoutConfig, type BreakoutState, type Candidate, type MomentumSample } from '../../analytics/breakout.js';
import { momentum, momentumNoise } from '../../analytics/trend.js';
import { normals, rng } from '../helpers/series.js';

const HOUR = 3_600_000;
const cfg: BreakoutConfig = { ...DEFAULT_BREAKOUT, minScale: 1e-6 };

/** A new detector fed `samples`, each candidate raised when `decide` says so (by default every one: the product judged alone). */
function fold(samples: readonly MomentumSample[], config = cfg, raised?: ReadonlySet<number>, decide: (c: Candidate) => boolean = () => true) {
  const d = new BreakoutDetector(config, raised);
  feedDetector(d, samples, decide);
  return { state: d.state(), alerts: d.alerts };
}

/** Hourly samples of these momenta, from hour 0. */
const hourlySamples = (values: readonly number[]) => values.map((momentum, i) => ({ momentum, at: i * HOUR }));
const feed = (values: number[], config = cfg) => fold(hourlySamples(values), config);

/** New detectors fed together, instant by instant (feedDetectorsAcross). */
async function across(streams: readonly (readonly MomentumSample[])[], config: BreakoutConfig, familyAt?: (at: number) => number) {
  const detectors = streams.map(() => new BreakoutDetector(config));
  await feedDetectorsAcross(detectors.map((detector, i) => ({ detector, samples: streams[i] })), config, familyAt);
  return detectors.map((d) => ({ state: d.state(), alerts: d.alerts }));
}

const initialBreakoutState = (): BreakoutState => ({ history: [], cusum: 0, episode: null });

/** Seeded N(0, 0.01²) velocities: each test draws its own, so tests do not depend on order. */
function noise(n: number, seed = 1): number[] {
  const z = normals(seed);
  return Array.from({ length: n }, () => 0.01 * z());
}

describe('a breakout detector', () => {
  it('stays quiet on noise, then flags a surge as a spike with its robust z', () => {
    const quiet = feed(noise(200));
    expect(quiet.alerts).toHaveLength(0);
    const { alerts } = feed([...noise(30), 0.3]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].kind).toBe('spike');
    expect(alerts[0].at).toBe(30 * HOUR);
    expect(alerts[0].z).toBeGreaterThan(10);
  });

  it('false alarms on pure noise stay rare (under 6 per 1,000 samples)', () => {
    let alerts = 0;
    for (let seed = 10; seed < 20; seed++) alerts += feed(noise(1000, seed)).alerts.length;
    expect(alerts / 10_000).toBeLessThan(0.006);
  });

  it('robust z is (v − median) / (1.4826 · MAD) of the baseline', () => {
    // minHistory samples of warm-up, then the sample tested against them.
    const base = [0, 0.01, -0.01, 0.02, -0.02, 0.01, -0.01, 0, 0.03, -0.03, 0.02, -0.02];
    expect(base).toHaveLength(cfg.minHistory);
    const [alert] = feed([...base, 0.5]).alerts;
    // median 0, MAD 0.015
    expect(alert.baselineMedian).toBeCloseTo(0, 12);
    expect(alert.baselineScale).toBeCloseTo(1.4826 * 0.015, 12);
    expect(alert.z).toBeCloseTo(0.5 / (1.4826 * 0.015), 9);
  });

  it('an outlier in the baseline does not hide the next surge (MAD, not SD)', () => {
    const values = noise(30, 2);
    values[15] = 5;
    const { alerts } = feed([...values, 0.2]);
    expect(alerts.map((a) => a.at / HOUR)).toEqual([15, 30]);
  });

  it('detects a sustained small shift by CUSUM that no single sample flags', () => {
    const { alerts } = feed([...noise(40, 3), ...noise(8, 4).map((v) => v + 0.025)]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].kind).toBe('shift');
    expect(alerts[0].z).toBeLessThan(cfg.zThreshold);
    expect(alerts[0].at).toBeGreaterThan(40 * HOUR);
    expect(alerts[0].at).toBeLessThan(48 * HOUR);
  });

  it('raises one alert per episode, however long it lasts, and a new one after momentum returns to baseline', () => {
    // A surge over hours 30–39, back to noise for ten hours, then a second surge at hour 50.
    const values = [...noise(30, 5), ...Array(10).fill(0.3), ...noise(10, 6), 0.9, 0.9];
    const { alerts } = feed(values);
    expect(alerts.map((a) => a.at / HOUR)).toEqual([30, 50]);
  });

  it('never alerts on a product that only declines less fast, nor on a flat one', () => {
    // Momentum −0.05/h with noise, then −0.01/h: a huge z, but no growth.
    const slowing = feed([...noise(30, 7).map((v) => v / 10 - 0.05), ...noise(20, 8).map((v) => v / 10 - 0.01)]);
    expect(slowing.alerts).toEqual([]);
    expect(feed([...Array(40).fill(0)], DEFAULT_BREAKOUT).alerts).toEqual([]);
    // The same jump that ends in growth alerts, and its momentum is positive.
    const turning = feed([...noise(30, 7).map((v) => v / 10 - 0.05), 0.05]);
    expect(turning.alerts).toHaveLength(1);
    expect(turning.alerts[0].momentum).toBeGreaterThan(0);
  });

  it('waits for minHistory and keeps at most window samples, the newest', () => {
    expect(feed([0, 0, 0, 5]).alerts).toHaveLength(0);
    expect(feed([1]).state.history).toEqual([1]);
    const values = noise(100);
    expect(feed(values).state.history).toEqual(values.slice(-cfg.window));
  });

  it('a flat baseline uses the scale floor', () => {
    const { alerts } = feed([...Array(20).fill(0), DEFAULT_BREAKOUT.minScale * 5], DEFAULT_BREAKOUT);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].z).toBeCloseTo(5, 9);
  });
});

/** The detector as first written (a median and MAD by simple-statistics per sample): the specification the detector must match to the bit. */
function reference(state: BreakoutState, m: number, at: number, config: BreakoutConfig): { state: BreakoutState; alert: BreakoutAlert | null } {
  const push = () => [...state.history, m].slice(-config.window);
  const { episode } = state;
  if (episode) {
    const z = (m - episode.baselineMedian) / episode.baselineScale;
    return { state: z <= config.cusumK || m <= 0 ? { history: push(), cusum: 0, episode: null } : state, alert: null };
  }
  if (state.history.length < config.minHistory) return { state: { ...state, history: push() }, alert: null };
  const baselineMedian = median(state.history);
  const baselineScale = Math.max(1.4826 * medianAbsoluteDeviation(state.history), config.minScale);
  const z = (m - baselineMedian) / baselineScale;
  const cusum = Math.max(0, state.cusum + z - config.cusumK);
  const kind = z >= config.zThreshold ? 'spike' : cusum >= config.cusumH ? 'shift' : null;
  if (!kind || m < baselineScale) return { state: { history: push(), cusum, episode: null }, alert: null };
  return { state: { history: state.history, cusum: 0, episode: { startedAt: at, baselineMedian, baselineScale } }, alert: { kind, at, momentum: m, z, cusum, baselineMedian, baselineScale } };
}

describe('the detector against its specification', () => {
  it('gives the same states and alerts, to the bit, as a median and MAD sorted per sample', () => {
    const u = rng(42);
    const z = normals(43);
    let alerts = 0;
    for (let run = 0; run < 300; run++) {
      // Odd and even windows; noise, ties (rounded values, runs of zeros), surges and slow shifts.
      // (+ 0 turns a rounded −0 into 0, as momentum, a logarithm, never is −0: the two sort apart.)
      const config: BreakoutConfig = { ...DEFAULT_BREAKOUT, window: [48, 47, 12, 5][run % 4], minHistory: [12, 3, 12, 5][run % 4], minScale: run % 2 ? 1e-6 : DEFAULT_BREAKOUT.minScale };
      const samples = Array.from({ length: 20 + Math.floor(u() * 200) }, (_, i) => {
        const kind = u();
        const m = kind < 0.1 ? 0 : kind < 0.15 ? 0.2 + u() : kind < 0.3 ? Math.round(z() * 4) / 100 + 0 : 0.01 * z() + (i > 100 ? 0.02 : 0);
        return { momentum: m, at: i * HOUR };
      });
      let want = { state: initialBreakoutState(), alerts: [] as BreakoutAlert[] };
      for (const s of samples) {
        const r = reference(want.state, s.momentum, s.at, config);
        want = { state: r.state, alerts: r.alert ? [...want.alerts, r.alert] : want.alerts };
      }
      // All at once (a rebuild), and in uneven pieces into one live detector that goes on from
      // each fold (the processor's rounds).
      expect(fold(samples, config)).toEqual(want);
      const live = new BreakoutDetector(config);
      const liveAlerts: BreakoutAlert[] = [];
      for (let i = 0; i < samples.length;) {
        const n = 1 + Math.floor(u() * 10);
        live.begin(config);
        feedDetector(live, samples.slice(i, i + n), () => true);
        liveAlerts.push(...live.alerts);
        i += n;
      }
      expect({ state: live.state(), alerts: liveAlerts }).toEqual(want);
      alerts += want.alerts.length;
    }
    // The sequences exercise episodes, not only quiet baselines.
    expect(alerts).toBeGreaterThan(100);
  });
});

describe('a detector with stored alerts (a re-score)', () => {
  const samples = hourlySamples;
  const surge = (from: number) => [...noise(30, 7), ...noise(8, 8).map((v, i) => v + (i >= from ? 0.3 : 0))];

  it('raises nothing again when the stored alert is where the fold puts it', () => {
    const { alerts } = fold(samples(surge(2)), DEFAULT_BREAKOUT);
    expect(alerts.map((a) => a.at / HOUR)).toEqual([32]);
    expect(fold(samples(surge(2)), cfg, new Set([32 * HOUR])).alerts).toEqual([]);
  });

  it('a late event that moves the surge earlier raises no second alert: the stored one stands', () => {
    // Stored at hour 33; the re-scored data now breaks out at 32 and the episode reaches 33.
    expect(fold(samples(surge(2)), cfg).alerts.map((a) => a.at / HOUR)).toEqual([32]);
    const r = fold(samples(surge(2)), cfg, new Set([33 * HOUR]));
    expect(r.alerts).toEqual([]);
    expect(r.state.episode).not.toBeNull();
  });

  it('a late event that moves the surge later raises no second alert: the stored one opened the episode', () => {
    // Stored at hour 31 (a bucket the new data no longer flags); the surge now starts at 32.
    const r = fold(samples(surge(2)), cfg, new Set([31 * HOUR]));
    expect(r.alerts).toEqual([]);
    expect(r.state.episode?.startedAt).toBe(31 * HOUR);
  });

  it('a surge after the stored one\'s episode ended is a new alert', () => {
    const values = [...surge(2), ...noise(10, 9), 0.5];
    const r = fold(samples(values), cfg, new Set([32 * HOUR]));
    expect(r.alerts.map((a) => a.at / HOUR)).toEqual([values.length - 1]);
  });
});

// Hourly momenta as the scorer computes them (6 hours against the same 6 a day earlier, so
// consecutive samples share 5 of their 6 hours), with their counting noise, of Poisson counts at a
// steady rate: no product breaks out until its rate is multiplied at hour `surgeAt`.
const STEPS = 6, LAG = 24;
function momenta(rate: number, hours: number, seed: number, surgeAt = Infinity, factor = 1) {
  const u = rng(seed);
  const poisson = (l: number) => { let k = 0, p = u(); const e = Math.exp(-l); while (p > e) { k++; p *= u(); } return k; };
  const counts = Array.from({ length: hours }, (_, h) => poisson(h >= surgeAt ? rate * factor : rate));
  const sum = (to: number) => counts.slice(to - STEPS + 1, to + 1).reduce((a, b) => a + b, 0);
  return counts.map((_, h) => h).filter((h) => h >= LAG + STEPS).map((h) => ({ at: h * HOUR, momentum: momentum(sum(h), sum(h - LAG), LAG), noise: momentumNoise(sum(h), sum(h - LAG), LAG) }));
}
/** The detector as the scorer's hourly series configure it. */
const hourly: BreakoutConfig = { ...DEFAULT_BREAKOUT, overlap: STEPS };

describe('breakouts on hourly momenta of steady counts', () => {
  const plainOf = (s: ReturnType<typeof momenta>) => s.map(({ at, momentum: m }) => ({ at, momentum: m }));

  it('raises few false alerts, where the plain CUSUM raised one every other day', () => {
    const days = 30, products = 60;
    for (const rate of [0.3, 3]) {
      let plain = 0, calibrated = 0;
      for (let p = 0; p < products; p++) {
        const s = plainOf(momenta(rate, days * 24, 100 * p + rate * 10));
        plain += fold(s, DEFAULT_BREAKOUT).alerts.length;
        calibrated += fold(s, hourly).alerts.length;
      }
      // Alerts per product and day: 0.5–0.6 with independent-sample k and h, under 0.06 with the overlap.
      expect(plain / products / days).toBeGreaterThan(0.3);
      expect(calibrated / products / days).toBeLessThan(0.06);
    }
  });

  it('still flags a rate that quadruples, within hours', () => {
    let found = 0, delay = 0;
    const surgeAt = 10 * 24;
    for (let p = 0; p < 60; p++) {
      const s = plainOf(momenta(3, surgeAt + 48, 7 + p, surgeAt, 4));
      // One live detector: the days before, then a round of the days after.
      const d = new BreakoutDetector(hourly);
      feedDetector(d, s.filter((x) => x.at < surgeAt * HOUR), () => true);
      d.begin(hourly);
      feedDetector(d, s.filter((x) => x.at >= surgeAt * HOUR), () => true);
      const after = d.alerts;
      if (after.length) { found++; delay += after[0].at / HOUR - surgeAt; }
    }
    expect(found / 60).toBeGreaterThan(0.8);
    expect(delay / found).toBeLessThan(12);
  });
});

describe('breakouts across many products at once (counting-noise floor + Benjamini–Hochberg per instant)', () => {
  // The same hourly momenta of steady Poisson counts, 400 products watched together for 30 days.
  const HOURS = 30 * 24;

  it('a market of steady products raises about q alerts an instant at most, at any count, where each product alone raised ~1 a month', async () => {
    for (const rate of [0.3, 3]) {
      const streams = Array.from({ length: 400 }, (_, p) => momenta(rate, HOURS, 7919 * p + rate * 10));
      // Each product alone, without the noise floor: what the detector did before.
      const alone = streams.reduce((a, s) => a + fold(s.map(({ at, momentum: m }) => ({ at, momentum: m })), hourly).alerts.length, 0);
      const together = (await across(streams, hourly)).reduce((a, r) => a + r.alerts.length, 0);
      const instants = HOURS - LAG - STEPS;
      expect(alone / 400).toBeGreaterThan(0.3);
      // Every product is null here, so BH bounds the chance of any alert at an instant by q.
      expect(together / instants).toBeLessThan(hourly.falseDiscoveryRate);
    }
  });

  it('still catches most products whose rate quadruples among 400 steady ones, within a day', async () => {
    const surgeAt = 10 * 24;
    const surging = Array.from({ length: 40 }, (_, p) => momenta(3, surgeAt + 48, 7 + p, surgeAt, 4));
    const steady = Array.from({ length: 400 }, (_, p) => momenta(3, surgeAt + 48, 50_000 + p));
    const r = await across([...surging, ...steady], hourly);
    const delays = r.slice(0, 40).flatMap((x) => x.alerts.filter((a) => a.at >= surgeAt * HOUR).slice(0, 1).map((a) => a.at / HOUR - surgeAt));
    expect(delays.length / 40).toBeGreaterThan(0.7);
    expect(delays.reduce((a, b) => a + b, 0) / delays.length).toBeLessThan(12);
  });

  it('alone (a family of one) it is the product judged alone, and a re-score corrected in its instant\'s whole market raises less', async () => {
    const s = momenta(3, HOURS, 11);
    expect((await across([s], hourly))[0]).toEqual(fold(s, hourly));
    // A quiet baseline whose scale is its counting noise (0.01), then a jump of 4.5 of it.
    const spike = [...Array.from({ length: 200 }, (_, h) => ({ at: h * HOUR, momentum: (h % 3 - 1) * 0.001, noise: 0.01 })), { at: 200 * HOUR, momentum: 0.045, noise: 0.01 }];
    const alone = (await across([spike], hourly))[0].alerts;
    expect(alone.map((a) => a.at)).toEqual([200 * HOUR]);
    // z = 4.5: p = 2 · 3.4·10⁻⁶, far under q alone, over q / 100,000.
    expect(alone[0].z).toBeCloseTo(4.5, 6);
    expect((await across([spike], hourly, () => 100_000))[0].alerts).toEqual([]);
  });
});
