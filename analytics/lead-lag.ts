// Lead–lag correlations between metrics (does searching lead ordering, and by how long?), built
// so that shared cycles, shared traffic and persistence are not read as links. Per unit (a
// product; or the one series of a product scope):
//   1. log changes: Δ ln(1 + count), so growth rates are compared, not trending levels;
//   2. the daily/weekly cycles (Fourier terms) and, in a market or category, the log change of
//      market traffic are regressed out (the unit's own sensitivity to traffic is estimated);
//   3. prewhitening (Box & Jenkins): an AR model of the leading series filters both series, so
//      the leader is white noise and a correlation at lag k is not smeared over nearby lags;
// then the units' cross-products are pooled at each lag, with a variance that allows for serial
// dependence, unequal variance and dependence between units (Newey–West/Driscoll–Kraay), which
// gives the effective sample size; significance is corrected for every pair × lag tried
// (Benjamini–Hochberg). docs/analytics.md states the method and its limits. Pure.
import { fitAutoregression, whiten, type Autoregression } from './autoregression.js';
import { correlationPValue } from './correlation.js';
import { benjaminiHochberg } from './multiple-testing.js';
import { seasonalFit, type SeasonalFit } from './seasonal-regression.js';

export interface LeadLagOptions {
  /** Largest lead or lag tried, in buckets. */
  maxLag: number;
  /** Seasonal periods in buckets (e.g. 24 and 168 for hourly data); each is removed when a unit spans two of its cycles. */
  periods: readonly number[];
  /** False discovery rate behind `significant` (default 0.05). */
  alpha?: number;
}

/** One unit's counts per metric, oldest first, complete buckets only, all the same length. */
export type LeadLagUnit<M extends string> = Readonly<Record<M, readonly number[]>>;

/**
 * Market traffic: a total of one metric per bucket (views), aligned with the units. When it
 * includes the units' own (a market scope), each unit's own is taken out of it; a category is
 * better measured against the market outside it, so that category-wide moves stay signal.
 */
export interface MarketTraffic<M extends string> { metric: M; total: readonly number[]; includesUnits: boolean }

export interface LeadLagItem<M extends string> {
  a: M;
  b: M;
  /** Pooled correlation of the prewhitened changes at `lag`; 0 when there is nothing to test. */
  r: number;
  /** lag > 0: a leads b by `lag` buckets (a at t pairs with b at t + lag); lag < 0: b leads a. */
  lag: number;
  /** Pairs of changes used at that lag, over all units. */
  n: number;
  /** Independent pairs worth as much evidence: serial and cross-unit dependence and the fitted parameters taken out. */
  nEffective: number;
  /** Two-sided p-value of r = 0 at that lag alone (t-test on nEffective). */
  pValue: number;
  /** pValue adjusted by Benjamini–Hochberg over every pair × lag tried. */
  pAdjusted: number;
  /** pAdjusted ≤ alpha. */
  significant: boolean;
  /** Units that contributed. */
  units: number;
}

export interface LeadLagResult<M extends string> {
  items: LeadLagItem<M>[];
  /** Pair × lag hypotheses the correction covers. */
  tests: number;
  alpha: number;
  /** Units usable at all (active, dense enough, long enough). */
  units: number;
}

export const LEAD_LAG = {
  /** A unit must have engagement in this share of the buckets of its active span: an empty bucket is zero in every metric at once, which would read as a link. */
  minActiveShare: 0.9,
  /** Changes a unit needs beyond twice the largest lag. */
  minChanges: 12,
  /** Seasonal columns at most, as a share of a unit's changes. */
  maxSeasonalShare: 0.25,
  defaultAlpha: 0.05,
} as const;

interface PreparedUnit<M extends string> {
  /** Index (in the input's buckets) of the first change: changes[i] is bucket start + i minus the one before. */
  start: number;
  /** Residual log changes of the metrics that vary in this unit. */
  residuals: Map<M, number[]>;
  ar: Map<M, Autoregression>;
  /** Parameters the regression cost. */
  parameters: number;
}

/** The active span of a unit (first to last bucket with any engagement), if dense and long enough. */
function activeSpan<M extends string>(unit: LeadLagUnit<M>, metrics: readonly M[], length: number, minChanges: number): { first: number; last: number } | null {
  const active = (i: number) => metrics.some((m) => unit[m][i] > 0);
  let first = 0, last = length - 1;
  while (first < length && !active(first)) first++;
  while (last > first && !active(last)) last--;
  if (last - first < minChanges) return null;
  let busy = 0;
  for (let i = first; i <= last; i++) if (active(i)) busy++;
  return busy >= LEAD_LAG.minActiveShare * (last - first + 1) ? { first, last } : null;
}

const logChanges = (x: readonly number[], first: number, last: number) => {
  const out: number[] = [];
  for (let i = first + 1; i <= last; i++) out.push(Math.log1p(x[i]) - Math.log1p(x[i - 1]));
  return out;
};

/** Seasonal fits by active span, shared by the units with the same span. */
type Fits = Map<string, SeasonalFit>;

function prepareUnit<M extends string>(unit: LeadLagUnit<M>, metrics: readonly M[], traffic: MarketTraffic<M> | undefined, length: number, o: LeadLagOptions, fits: Fits): PreparedUnit<M> | null {
  const span = activeSpan(unit, metrics, length, 2 * o.maxLag + LEAD_LAG.minChanges);
  if (!span) return null;
  const varying = metrics.filter((m) => unit[m].slice(span.first, span.last + 1).some((v) => v !== unit[m][span.first]));
  if (varying.length < 2) return null;
  const start = span.first + 1;
  const n = span.last - span.first;
  const key = `${span.first}:${span.last}`;
  let fit = fits.get(key);
  if (!fit) fits.set(key, (fit = seasonalFit(start, n, o.periods, LEAD_LAG.maxSeasonalShare)));
  let parameters = fit.parameters;
  let residuals = fit.residuals(varying.map((m) => logChanges(unit[m], span.first, span.last)));
  if (traffic) {
    // The rest of the market's traffic (this unit's own share left out, so its noise is not a
    // regressor of itself), deseasonalised the same way; each metric's sensitivity to it is its
    // least-squares slope (Frisch–Waugh: the same as one joint regression).
    const own = unit[traffic.metric];
    const others = traffic.includesUnits ? traffic.total.map((v, i) => Math.max(0, v - own[i])) : traffic.total;
    const [z] = fit.residuals([logChanges(others, span.first, span.last)]);
    const zz = z.reduce((s, v) => s + v * v, 0);
    if (zz > 1e-12) {
      parameters++;
      residuals = residuals.map((e) => {
        const beta = e.reduce((s, v, i) => s + v * z[i], 0) / zz;
        return e.map((v, i) => v - beta * z[i]);
      });
    }
  }
  return {
    start, parameters,
    residuals: new Map(varying.map((m, i) => [m, residuals[i]])),
    ar: new Map(varying.map((m, i) => [m, fitAutoregression(residuals[i])])),
  };
}

/** Newey–West bandwidth (Newey & West, 1994): 4·(T/100)^(2/9). */
const bandwidth = (t: number) => Math.floor(4 * (t / 100) ** (2 / 9));

/**
 * Long-run variance of Σ S_t with Bartlett-kernel weights (Newey & West, 1987), S_t already
 * centred. With S_t the cross-products summed over units at
 * time t, it allows for dependence between units at the same time as well (Driscoll & Kraay,
 * 1998). For one unit its expectation is n·(1 + 2Σ ρ_a(j)ρ_b(j)), Bartlett's (1946) variance.
 */
function longRunVariance(s: Float64Array, from: number, to: number): number {
  const lagMax = bandwidth(to - from);
  let v = 0;
  for (let t = from; t < to; t++) v += s[t] * s[t];
  for (let j = 1; j <= lagMax; j++) {
    let c = 0;
    for (let t = from; t + j < to; t++) c += s[t] * s[t + j];
    v += 2 * (1 - j / (lagMax + 1)) * c;
  }
  return v;
}

interface LagStat { lag: number; r: number; n: number; nEffective: number; pValue: number; units: number }

/** One unit's pair of series, both prewhitened by the leader's AR model. */
interface WhitenedPair { x: number[]; y: number[]; origin: number; parameters: number }

function whitenPair<M extends string>(units: PreparedUnit<M>[], a: M, b: M, leader: M): WhitenedPair[] {
  const out: WhitenedPair[] = [];
  for (const u of units) {
    const ea = u.residuals.get(a), eb = u.residuals.get(b);
    if (!ea || !eb) continue;
    const model = u.ar.get(leader)!;
    out.push({ x: whiten(ea, model), y: whiten(eb, model), origin: u.start + model.coefficients.length, parameters: u.parameters });
  }
  return out;
}

/** The pooled correlation of x with y `lag` buckets later: each unit's pairs standardised, the cross-products summed per bucket. */
function pooledAtLag(pairs: WhitenedPair[], lag: number, length: number): LagStat {
  const s = new Float64Array(length);
  const active = new Uint16Array(length); // units with a pair at each bucket
  let total = 0, lost = 0, used = 0, lo = Infinity, hi = -Infinity;
  for (const { x, y, origin, parameters } of pairs) {
    const from = Math.max(0, -lag), to = Math.min(x.length, y.length - lag);
    const n = to - from;
    if (n < 3) continue;
    let mx = 0, my = 0;
    for (let t = from; t < to; t++) { mx += x[t]; my += y[t + lag]; }
    mx /= n; my /= n;
    let sx = 0, sy = 0;
    for (let t = from; t < to; t++) { sx += (x[t] - mx) ** 2; sy += (y[t + lag] - my) ** 2; }
    if (!(sx > 0) || !(sy > 0)) continue;
    const scale = n / Math.sqrt(sx * sy); // standardised so that the unit's sum is n·r
    for (let t = from; t < to; t++) { s[origin + t] += (x[t] - mx) * (y[t + lag] - my) * scale; active[origin + t]++; }
    lo = Math.min(lo, origin + from);
    hi = Math.max(hi, origin + to);
    total += n;
    lost += Math.min(n, parameters);
    used++;
  }
  if (total < 3) return { lag, r: 0, n: total, nEffective: 0, pValue: 1, units: used };
  let sum = 0;
  for (let t = lo; t < hi; t++) sum += s[t];
  const r = Math.max(-1, Math.min(1, sum / total));
  for (let t = lo; t < hi; t++) s[t] -= r * active[t]; // centred: each unit's pair has mean r
  const variance = longRunVariance(s, lo, hi);
  // Never more than the pairs themselves; then less the degrees of freedom the regressions used.
  const nEffective = (variance > 0 ? Math.min(total, (total * total) / variance) : total) * (total - lost) / total;
  return { lag, r, n: total, nEffective, pValue: nEffective >= 4 ? correlationPValue(r, nEffective) : 1, units: used };
}

/**
 * Every pair of metrics at every lag −maxLag…maxLag, pooled over the units; each pair reported
 * at its most significant lag (the smaller p, then the larger |r|, then the smaller |lag|). With
 * `traffic` (market or category scope), the rest of the market's traffic is regressed out of
 * each unit's changes.
 */
export function leadLag<M extends string>(metrics: readonly M[], units: readonly LeadLagUnit<M>[], options: LeadLagOptions, traffic?: MarketTraffic<M>): LeadLagResult<M> {
  const alpha = options.alpha ?? LEAD_LAG.defaultAlpha;
  const length = traffic?.total.length ?? (units[0] ? units[0][metrics[0]].length : 0);
  for (const u of units) for (const m of new Set([...metrics, ...(traffic ? [traffic.metric] : [])])) {
    if (u[m].length !== length) throw new RangeError(`series lengths differ: ${m} has ${u[m].length} buckets, expected ${length}`);
  }
  const maxLag = Math.max(0, Math.floor(options.maxLag));
  const fits: Fits = new Map();
  const prepared = units.map((u) => prepareUnit(u, metrics, traffic, length, { ...options, maxLag }, fits)).filter((u): u is PreparedUnit<M> => u !== null);
  const pairs: { a: M; b: M; lags: LagStat[] }[] = [];
  for (let i = 0; i < metrics.length; i++) {
    for (let j = i + 1; j < metrics.length; j++) {
      // Leads of a (lag ≥ 0) are tested with a as the prewhitened input, leads of b with b.
      const byA = whitenPair(prepared, metrics[i], metrics[j], metrics[i]);
      const byB = whitenPair(prepared, metrics[i], metrics[j], metrics[j]);
      const lags: LagStat[] = [];
      for (let k = -maxLag; k <= maxLag; k++) lags.push(pooledAtLag(k >= 0 ? byA : byB, k, length));
      pairs.push({ a: metrics[i], b: metrics[j], lags });
    }
  }
  const adjusted = benjaminiHochberg(pairs.flatMap((p) => p.lags.map((l) => l.pValue)));
  const items = pairs.map((p, i) => {
    const at = (l: LagStat) => adjusted[i * (2 * maxLag + 1) + l.lag + maxLag];
    const best = p.lags.reduce((x, y) => (y.pValue < x.pValue || (y.pValue === x.pValue && (Math.abs(y.r) > Math.abs(x.r) || (Math.abs(y.r) === Math.abs(x.r) && Math.abs(y.lag) < Math.abs(x.lag)))) ? y : x));
    const pAdjusted = at(best);
    return { a: p.a, b: p.b, r: best.r, lag: best.lag, n: best.n, nEffective: best.nEffective, pValue: best.pValue, pAdjusted, significant: pAdjusted <= alpha, units: best.units };
  });
  return { items, tests: adjusted.length, alpha, units: prepared.length };
}
