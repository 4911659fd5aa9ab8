// A series' native step (hourly, daily, weekly, monthly) inferred from its timestamps, the
// seasonal periods that step implies, and a test of whether each season is really there. Pure.
//
// Everything TrendDrop analyses is at one of four steps: live engagement hourly; imports daily,
// weekly (Google Trends) or monthly. A weekly point is one value for its week: analysing it as
// seven days with six zeros is wrong, so every consumer asks this module for the step first.
import { mstl, componentStrengths } from './stl.js';

export type Step = 'hour' | 'day' | 'week' | 'month';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;

/** Nominal length (a month is 1/12 of a 365.25-day year) and the API's `interval` name. */
export const STEPS: Record<Step, { ms: number; interval: string; label: string }> = {
  hour: { ms: HOUR_MS, interval: '1h', label: 'hourly' },
  day: { ms: DAY_MS, interval: '1d', label: 'daily' },
  week: { ms: WEEK_MS, interval: '1w', label: 'weekly' },
  month: { ms: (365.25 / 12) * DAY_MS, interval: '1mo', label: 'monthly' },
};

/** The step whose API `interval` this is (as the forecaster stores it), undefined for another. */
export function stepOfInterval(interval: string): Step | undefined {
  return (Object.keys(STEPS) as Step[]).find((s) => STEPS[s].interval === interval);
}

export interface StepInfo {
  step: Step;
  /** A timestamp on the series' grid (ms): weeks keep their own weekday, days their own hour. */
  anchor: number;
  /** For monthly series: dates are month ends (31 Jan, 28/29 Feb, …) rather than one day of the month. */
  monthEnd?: boolean;
}

/** Share of points allowed off the grid (a stray point, a still-filling bucket stamped "now"). */
const OFF_GRID_SHARE = 0.1;

const mod = (a: number, b: number) => ((a % b) + b) % b;
const daysInMonth = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();

/** The most frequent key and how many points share it. */
function modal<K>(keys: K[]): { key: K; count: number } {
  const counts = new Map<K, number>();
  let best = { key: keys[0], count: 0 };
  for (const k of keys) {
    const c = (counts.get(k) ?? 0) + 1;
    counts.set(k, c);
    if (c > best.count) best = { key: k, count: c };
  }
  return best;
}

const onGrid = (count: number, n: number) => count >= 2 && n - count <= Math.max(1, Math.floor(OFF_GRID_SHARE * n));

/**
 * The coarsest step whose grid holds the timestamps (bucket starts or observation times, ms):
 * all but ≤ 10% of them (at least one may stray) share one time of day and day of the month
 * (monthly, or all are month ends), one time within the week (weekly) or one time of day
 * (daily). Gaps do not matter: only where points fall does. Points that follow no grid
 * (live event times), and series of fewer than two points, are hourly: the finest step analysed.
 */
export function inferStep(timestamps: readonly number[]): StepInfo {
  const ts = [...new Set(timestamps.filter(Number.isFinite))].sort((a, b) => a - b);
  const n = ts.length;
  const fallback: StepInfo = { step: 'hour', anchor: n ? ts[0] - mod(ts[0], HOUR_MS) : 0 };
  if (n < 2) return fallback;

  // Every coarser grid keeps one time of day, so a series whose times of day differ (live hours,
  // nearly every product) is hourly without the calendar keys below: 3-5x less work a series,
  // which the scorer does for 100k products when it starts.
  const timeOfDay = ts.map((t) => mod(t, DAY_MS));
  const day = modal(timeOfDay);
  if (!onGrid(day.count, n)) return { step: 'hour', anchor: modal(ts.map((t) => mod(t, HOUR_MS))).key };
  const dates = ts.map((t) => new Date(t));
  const monthKeys = dates.map((d, i) => `${d.getUTCDate() === daysInMonth(d) ? 'end' : d.getUTCDate()}@${timeOfDay[i]}`);
  const month = modal(monthKeys);
  // Month ends on the 28th–30th also read as a fixed day in longer months: count both readings.
  const dayOfMonth = modal(dates.map((d, i) => `${d.getUTCDate()}@${timeOfDay[i]}`));
  const distinctMonths = new Set(dates.map((d) => d.getUTCFullYear() * 12 + d.getUTCMonth())).size;
  if (distinctMonths === n && (onGrid(month.count, n) || onGrid(dayOfMonth.count, n))) {
    const monthEnd = onGrid(month.count, n) && month.key.startsWith('end@') && !onGrid(dayOfMonth.count, n);
    return { step: 'month', anchor: ts[monthKeys.indexOf(month.key)], ...(monthEnd ? { monthEnd } : {}) };
  }
  const week = modal(ts.map((t) => mod(t, WEEK_MS)));
  if (onGrid(week.count, n)) return { step: 'week', anchor: week.key };
  return { step: 'day', anchor: day.key };
}

/** Points a coarse history needs before a change of step is believed (fewer could sit on a grid by chance). */
const MIN_COARSE_POINTS = 4;

/**
 * A history that changes step: an imported daily, weekly or monthly history followed by live
 * hourly engagement. From bucket starts (ms) that read as hourly as a whole, the coarse history
 * (its step, on the grid of its oldest points) and where the live part begins; null when the
 * points are not such a mix. The split is where the fewest points are on the wrong side (grid
 * points after it, off-grid points before it), so one stray point in either part does not move
 * it; live hours that happen to fall on the coarse grid stay live.
 */
export function splitHistory(timestamps: readonly number[]): { coarse: StepInfo; liveFrom: number } | null {
  const ts = [...new Set(timestamps.filter(Number.isFinite))].sort((a, b) => a - b);
  const n = ts.length;
  if (n < MIN_COARSE_POINTS + 2 || inferStep(ts).step !== 'hour') return null;
  const head = inferStep(ts.slice(0, MIN_COARSE_POINTS * 2));
  if (head.step === 'hour') return null;
  const on = ts.map((t) => bucketStart(t, head) === t);
  // wrong(k): off-grid points before k + on-grid points from k on; the split is the k with the fewest.
  let wrong = on.filter(Boolean).length;
  let best = { k: 0, wrong };
  for (let k = 1; k <= n; k++) {
    wrong += on[k - 1] ? -1 : 1;
    if (wrong < best.wrong) best = { k, wrong };
  }
  const coarsePart = ts.slice(0, best.k);
  if (best.k >= n || coarsePart.filter((_, i) => on[i]).length < MIN_COARSE_POINTS) return null;
  const coarse = inferStep(coarsePart);
  return coarse.step === 'hour' ? null : { coarse, liveFrom: ts[best.k] };
}

/** Start of the bucket of `step` (on the grid of `info`) that holds time t. */
export function bucketStart(t: number, info: StepInfo): number {
  if (info.step === 'month') {
    const d = new Date(t);
    const a = new Date(info.anchor);
    const tod = mod(info.anchor, DAY_MS);
    const at = (y: number, m: number) => {
      const day = info.monthEnd ? new Date(Date.UTC(y, m + 1, 0)).getUTCDate() : Math.min(a.getUTCDate(), new Date(Date.UTC(y, m + 1, 0)).getUTCDate());
      return Date.UTC(y, m, day) + tod;
    };
    const here = at(d.getUTCFullYear(), d.getUTCMonth());
    return here <= t ? here : at(d.getUTCFullYear(), d.getUTCMonth() - 1);
  }
  const ms = STEPS[info.step].ms;
  return t - mod(t - info.anchor, ms);
}

/** The bucket start k steps after `start` (calendar months for monthly series). */
export function addSteps(start: number, k: number, info: StepInfo): number {
  if (info.step !== 'month') return start + k * STEPS[info.step].ms;
  const d = new Date(start);
  const tod = mod(start, DAY_MS);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + k;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const day = info.monthEnd ? last : Math.min(new Date(info.anchor).getUTCDate(), last);
  return Date.UTC(y, m, day) + tod;
}

/**
 * Values at the native step from (timestamp, value) observations: each bucket of the grid from
 * the first observation's to `end` (exclusive; default: after the last observation) holds the
 * sum of its observations, 0 when it has none (a bucket with no engagement had none). `end`
 * lets a caller stop before a still-filling bucket.
 */
export function regularSeries(points: readonly { t: number; v: number }[], info: StepInfo, end?: number): { start: number; values: number[] } {
  if (!points.length) return { start: 0, values: [] };
  const sorted = [...points].sort((a, b) => a.t - b.t);
  const start = bucketStart(sorted[0].t, info);
  const stop = end ?? addSteps(bucketStart(sorted[sorted.length - 1].t, info), 1, info);
  const values: number[] = [];
  let bucket = start;
  let i = 0;
  while (bucket < stop) {
    const next = addSteps(bucket, 1, info);
    let v = 0;
    while (i < sorted.length && sorted[i].t < next) { if (sorted[i].t >= bucket) v += sorted[i].v; i++; }
    values.push(v);
    bucket = next;
  }
  return { start, values };
}

/** Seasonal periods each step can carry, and how many full cycles must be seen before one is used. */
const PERIODS: Record<Step, { period: number; minCycles: number }[]> = {
  hour: [{ period: 24, minCycles: 2 }, { period: 168, minCycles: 3 }],
  day: [{ period: 7, minCycles: 2 }],
  week: [{ period: 52, minCycles: 2 }],
  month: [{ period: 12, minCycles: 2 }],
};

/** The seasonal periods a series of n points at `step` can use: hourly 24 (and 168 from three weeks), daily 7, weekly 52 (from two years), monthly 12. */
export function seasonalPeriods(step: Step, n: number): number[] {
  return PERIODS[step].filter((p) => n >= p.minCycles * p.period).map((p) => p.period);
}

/**
 * The log scale the strength test and the models work on: ln y when every value is positive,
 * ln(1 + y) for counts with zeros (a zero stays finite; at real volumes it is ln y), the values
 * themselves when any is negative (no log exists).
 */
export function toLogScale(y: readonly number[]): { values: number[]; kind: 'log' | 'log1p' | 'none' } {
  let min = Infinity;
  for (const v of y) if (v < min) min = v;
  if (min > 0) return { values: y.map(Math.log), kind: 'log' };
  if (min === 0) return { values: y.map(Math.log1p), kind: 'log1p' };
  return { values: y.slice(), kind: 'none' };
}

export function fromLogScale(v: number, kind: 'log' | 'log1p' | 'none'): number {
  return kind === 'log' ? Math.exp(v) : kind === 'log1p' ? Math.expm1(v) : v;
}

export interface Season {
  period: number;
  /** Seasonal strength on the log scale, 0…1 (Wang, Smith & Hyndman 2006). */
  strength: number;
  /** The strength at which a season is taken to be there, for this many cycles of data. */
  threshold: number;
  present: boolean;
}

/**
 * The strength of a season in data that has none is not zero: with k cycles of data the seasonal
 * component absorbs about 1/k of the noise, so short series look seasonal by chance. The
 * threshold is the 95th percentile of the strength measured on seasonless series (white noise,
 * AR(1) with φ = 0.7 and 0.95, random walks; periods 7, 12, 24, 52; 200 series each), which
 * falls from ~0.8 at two cycles to ~0.3 from ten cycles on: 0.2 + 1.2/k, never below 0.3.
 */
export function strengthThreshold(cycles: number): number {
  return Math.max(0.3, 0.2 + 1.2 / cycles);
}

/**
 * Seasonal strength of each candidate period of `step`, measured by MSTL on the log scale, and
 * whether it is there. An empty array when the series is too short for any period.
 */
export function detectSeasons(y: readonly number[], step: Step): Season[] {
  const periods = seasonalPeriods(step, y.length);
  if (!periods.length) return [];
  const { values } = toLogScale(y);
  // R's mstl() seasonal windows (11, 15): the null distribution the thresholds come from was measured with them.
  const d = mstl(values, periods, { seasonalWindows: periods.map((_, i) => 11 + 4 * i) });
  const { seasonal } = componentStrengths(d);
  return periods.map((period, i) => {
    const threshold = strengthThreshold(y.length / period);
    return { period, strength: seasonal[i], threshold, present: seasonal[i] >= threshold };
  });
}

/** The periods a model of this series should use: the candidates the strength test keeps. */
export function seasonsOf(y: readonly number[], step: Step): number[] {
  return detectSeasons(y, step).filter((s) => s.present).map((s) => s.period);
}
