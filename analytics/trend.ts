// Trend velocity, acceleration, label, momentum and the 0–100 trend score. Pure: numbers in,
// numbers out. Every definition here is documented in docs/analytics.md.
//
// A score has two stages. `trendShape` and `rawComponents` measure one product on its own; the
// components are then ranked against the products scored at the same event time
// (`buildReference`, `normalise`), so a score says how a product compares with its market at
// that moment, and no fixed cap saturates it.
import type { ScoreWeights } from '../core/config.js';
import { quantileSorted } from 'simple-statistics';
import { theilSenSlope } from './stats.js';

export interface Bucket { ts: number; views: number; likes: number; shares: number; comments: number; orders: number; revenue: number; searches: number }

export type TrendLabel = 'emerging' | 'rising' | 'peaking' | 'declining' | 'steady';

export interface TrendComponents { velocity: number; acceleration: number; volume: number; breadth: number; conversion: number; saturation: number }
export const COMPONENTS = ['velocity', 'acceleration', 'volume', 'breadth', 'conversion', 'saturation'] as const satisfies readonly (keyof TrendComponents)[];

export interface TrendShape {
  /** Growth rate of engagement per hour: Theil–Sen slope of ln(1 + engagement) over the bins. */
  velocity: number;
  /** Change in velocity per hour: (late-half slope − early-half slope) / hours between the halves. */
  acceleration: number;
  label: TrendLabel;
}

/**
 * Weights of each metric in engagement. A stronger signal of buying intent weighs more: a view is
 * cheap, a share spreads the product, an order is the goal. Revenue is left out because it is in
 * the product's own currency and orders already count the purchase.
 */
export const ENGAGEMENT_WEIGHTS = { views: 1, likes: 3, comments: 5, shares: 8, searches: 2, orders: 20 } as const;

/** Weighted engagement of a rollup row, as a SQL expression over its metric columns. */
export const ENGAGEMENT_SQL = Object.entries(ENGAGEMENT_WEIGHTS).map(([m, w]) => `${w} * ${m}`).join(' + ');

/** Log-growth over a half window that counts as movement for the labels: 20%. */
export const LABEL_THRESHOLD = Math.log(1.2);

export function engagementOf(b: Omit<Bucket, 'ts' | 'revenue'>): number {
  const w = ENGAGEMENT_WEIGHTS;
  return w.views * b.views + w.likes * b.likes + w.comments * b.comments + w.shares * b.shares + w.searches * b.searches + w.orders * b.orders;
}

/**
 * Velocity, acceleration and label of engagement per bin (oldest → newest, complete bins only,
 * each `binHours` wide). Bins should span whole seasons (24 h for hourly data) so that the daily
 * cycle cancels out.
 */
export function trendShape(bins: readonly number[], binHours: number): TrendShape {
  const n = bins.length;
  const hours = bins.map((_, i) => i * binHours);
  // log1p keeps empty bins finite; at real volumes it is ln(engagement).
  const logE = bins.map((b) => Math.log1p(b));
  const velocity = n >= 2 ? theilSenSlope(hours, logE) : 0;
  // Halves overlap by one bin when n is odd so each has ceil(n/2) points.
  const half = Math.ceil(n / 2);
  let early = velocity, late = velocity, acceleration = 0;
  if (half >= 2 && n >= 4) {
    early = theilSenSlope(hours.slice(0, half), logE.slice(0, half));
    late = theilSenSlope(hours.slice(n - half), logE.slice(n - half));
    acceleration = (late - early) / ((n - half) * binHours);
  }
  const halfHours = (half - 1) * binHours;
  return { velocity, acceleration, label: labelOf(early * halfHours, late * halfHours, velocity * (n - 1) * binHours) };
}

/**
 * Labels from the log-growth across the early and the late half of the window and across the
 * whole window; growth labels need the whole window to grow, so a label never contradicts velocity.
 */
function labelOf(earlyGrowth: number, lateGrowth: number, growth: number): TrendLabel {
  const t = LABEL_THRESHOLD;
  if (earlyGrowth > t && lateGrowth < t) return 'peaking';
  if (lateGrowth <= -t || growth <= -t) return 'declining';
  if (growth > 0 && lateGrowth > t && lateGrowth - earlyGrowth > t) return 'emerging';
  if (growth > 0 && lateGrowth > t) return 'rising';
  return 'steady';
}

/**
 * Momentum: log growth per hour of the latest steps of engagement against the same steps one
 * season earlier (`lagHours` apart). It reacts within hours where the window velocity is built to
 * ignore a single jump, and the season cancels out; breakout detection watches it.
 */
export function momentum(recent: number, before: number, lagHours: number): number {
  return lagHours > 0 ? Math.log((1 + recent) / (1 + before)) / lagHours : 0;
}

/**
 * The standard deviation momentum() would have from counting alone, were `recent` and `before`
 * Poisson counts at a steady rate: ln(1 + X) of a Poisson X has variance ≈ 1/(1 + X) (the delta
 * method), and the two sums are independent. Weighted engagement and bursts only add to it, so it
 * is a floor under the noise, not an estimate of it; breakout detection uses it as one.
 */
export function momentumNoise(recent: number, before: number, lagHours: number): number {
  return lagHours > 0 ? Math.sqrt(1 / (1 + recent) + 1 / (1 + before)) / lagHours : 0;
}

/** momentum() as a SQL expression over two engagement sums (SQL expressions), for stores that compute it in bulk. */
export function momentumSql(recent: string, before: string, lagHours: number): string {
  return lagHours > 0 ? `log((1 + (${recent})) / (1 + (${before}))) / ${lagHours}` : '0';
}

/** What one product measures before it is compared with the others; larger is better for each. */
export interface RawInput {
  shape: TrendShape;
  /** Weighted engagement over the window. */
  engagement: number;
  views: number;
  orders: number;
  /** Distinct regions and platforms with engagement in the window. */
  regions: number;
  platforms: number;
  /** Other products of the same category trending (emerging or rising) at the same time. */
  competitors: number;
}

export function rawComponents(x: RawInput): TrendComponents {
  return {
    velocity: x.shape.velocity,
    acceleration: x.shape.acceleration,
    volume: Math.log1p(Math.max(0, x.engagement)),
    // Logs, so the first few markets count most.
    breadth: Math.log1p(x.regions) + Math.log1p(x.platforms),
    // No views is no evidence of conversion, not a perfect rate.
    conversion: x.views > 0 ? x.orders / x.views : 0,
    // Fewer rivals is better.
    saturation: -Math.max(0, x.competitors),
  };
}

/** The cross-section of raw components that scores are ranked against: sorted quantiles per component. */
export interface Reference { n: number; quantiles: Record<keyof TrendComponents, number[]> }

/** Quantiles kept per component: ranks are exact to 1% whatever the number of products. */
const REFERENCE_POINTS = 101;

export function buildReference(raws: readonly TrendComponents[]): Reference {
  const quantiles = {} as Reference['quantiles'];
  for (const k of COMPONENTS) {
    const sorted = raws.map((r) => r[k]).sort((a, b) => a - b);
    quantiles[k] = sorted.length === 0 ? [] : Array.from({ length: REFERENCE_POINTS }, (_, i) => quantileSorted(sorted, i / (REFERENCE_POINTS - 1)));
  }
  return { n: raws.length, quantiles };
}

/**
 * Mid-rank of `x` among sorted reference values, 0–1: the share below plus half the share equal.
 * Ties (every product with zero conversion) share one rank, and an empty reference gives 0.5.
 */
export function percentile(sorted: readonly number[], x: number): number {
  const n = sorted.length;
  if (n === 0) return 0.5;
  return (countWhile(sorted, (v) => v < x) + countWhile(sorted, (v) => v <= x)) / 2 / n;
}

/** Length of the prefix of a sorted array where `pred` holds (binary search). */
function countWhile(sorted: readonly number[], pred: (v: number) => boolean): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) { const m = (lo + hi) >> 1; if (pred(sorted[m])) lo = m + 1; else hi = m; }
  return lo;
}

export function normalise(raw: TrendComponents, ref: Reference): TrendComponents {
  const c = {} as TrendComponents;
  for (const k of COMPONENTS) c[k] = percentile(ref.quantiles[k], raw[k]);
  return c;
}

/** Score 0–100 (one decimal): the weighted mean of the normalised components. */
export function blendScore(c: TrendComponents, weights: ScoreWeights): number {
  let total = 0, blended = 0;
  for (const k of COMPONENTS) { total += weights[k]; blended += weights[k] * c[k]; }
  return total > 0 ? Math.round((blended / total) * 1000) / 10 : 0;
}
