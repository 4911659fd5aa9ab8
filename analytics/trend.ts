// Trend velocity, acceleration, label and the 0–100 trend score for one series of buckets.
// Pure: buckets in, numbers out. Every definition here is documented in docs/analytics.md.
import type { ScoreWeights } from '../core/config.js';
import { mean, sum } from 'simple-statistics';
import { theilSenSlope } from './stats.js';

export interface Bucket { ts: number; views: number; likes: number; shares: number; comments: number; orders: number; revenue: number; searches: number }

export interface TrendInput {
  /** Contiguous, zero-filled, oldest → newest, equal width. */
  buckets: Bucket[];
  bucketMs: number;
  /** Distinct regions with engagement in the window. */
  regions: number;
  /** Distinct platforms with engagement in the window. */
  platforms: number;
  /** Regions seen across all products (for breadth normalisation). */
  totalRegions: number;
  totalPlatforms: number;
  /** Other products in the same category trending (saturation input); absent means none known. */
  competitors?: number;
}

export type TrendLabel = 'emerging' | 'rising' | 'peaking' | 'declining' | 'steady';

export interface TrendComponents { velocity: number; acceleration: number; volume: number; breadth: number; conversion: number; saturation: number }

export interface TrendResult {
  /** 0–100, one decimal. */
  score: number;
  label: TrendLabel;
  /** Growth rate of engagement per hour: Theil–Sen slope of ln(1 + engagement) over the window. */
  velocity: number;
  /** Change in velocity per hour: (late-half slope − early-half slope) / hours between the halves. */
  acceleration: number;
  /** Each 0–1 before weighting. */
  components: TrendComponents;
}

/**
 * Weights of each metric in engagement. A stronger signal of buying intent weighs more: a view is
 * cheap, a share spreads the product, an order is the goal. Revenue is left out because it is in
 * the product's own currency and orders already count the purchase.
 */
export const ENGAGEMENT_WEIGHTS = { views: 1, likes: 3, comments: 5, shares: 8, searches: 2, orders: 20 } as const;

/** Scales of the 0–1 component mappings; see docs/analytics.md. */
export const TREND_SCALES = {
  /** Velocity giving tanh(1) ≈ 0.76: doubling once a day. */
  velocityPerHour: Math.LN2 / 24,
  /** Acceleration giving tanh(1): velocity gaining one doubling-per-day each day. */
  accelerationPerHour2: Math.LN2 / 24 / 24,
  /** Total weighted engagement of 10^6 in the window gives volume 1 (log scale). */
  volumeDecades: 6,
  /** Conversion (orders per view) giving 0.5. */
  conversionHalf: 0.02,
  /** Competitors giving saturation 0.5. */
  competitorsHalf: 10,
  /** Log-growth over a half window that counts as movement: 20%. */
  labelThreshold: Math.log(1.2),
} as const;

export function engagementOf(b: Bucket): number {
  const w = ENGAGEMENT_WEIGHTS;
  return w.views * b.views + w.likes * b.likes + w.comments * b.comments + w.shares * b.shares + w.searches * b.searches + w.orders * b.orders;
}

const HOUR_MS = 3_600_000;

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/** Share of a population reached, on a log scale so the first few regions/platforms count most. */
function coverage(n: number, total: number): number {
  return total > 0 ? clamp01(Math.log1p(Math.max(0, n)) / Math.log1p(total)) : 0;
}

export function computeTrend(input: TrendInput, weights: ScoreWeights): TrendResult {
  const { buckets, bucketMs } = input;
  const n = buckets.length;
  const bucketHours = bucketMs / HOUR_MS;
  const hours = buckets.map((_, i) => i * bucketHours);
  // log1p keeps zero-filled buckets finite; at real volumes it is ln(engagement).
  const logE = buckets.map((b) => Math.log1p(engagementOf(b)));

  const velocity = n >= 2 ? theilSenSlope(hours, logE) : 0;
  // Halves overlap by one bucket when n is odd so each has ceil(n/2) points.
  const half = Math.ceil(n / 2);
  let early = velocity;
  let late = velocity;
  let acceleration = 0;
  if (half >= 2 && n >= 4) {
    early = theilSenSlope(hours.slice(0, half), logE.slice(0, half));
    late = theilSenSlope(hours.slice(n - half), logE.slice(n - half));
    acceleration = (late - early) / ((n - half) * bucketHours);
  }

  const halfHours = (half - 1) * bucketHours;
  const label = labelOf(early * halfHours, late * halfHours);

  const S = TREND_SCALES;
  const totals = buckets.reduce((t, b) => ({ e: t.e + engagementOf(b), views: t.views + b.views, orders: t.orders + b.orders }), { e: 0, views: 0, orders: 0 });
  const rate = totals.views > 0 ? totals.orders / totals.views : 0;
  const competitors = Math.max(0, input.competitors ?? 0);
  const components: TrendComponents = {
    velocity: Math.max(0, Math.tanh(velocity / S.velocityPerHour)),
    acceleration: Math.max(0, Math.tanh(acceleration / S.accelerationPerHour2)),
    volume: clamp01(Math.log10(1 + totals.e) / S.volumeDecades),
    breadth: mean([coverage(input.regions, input.totalRegions), coverage(input.platforms, input.totalPlatforms)]),
    conversion: rate / (rate + S.conversionHalf),
    saturation: 1 / (1 + competitors / S.competitorsHalf),
  };

  const keys = Object.keys(components) as (keyof TrendComponents)[];
  const totalWeight = sum(keys.map((k) => weights[k]));
  const blended = totalWeight > 0 ? sum(keys.map((k) => weights[k] * components[k])) / totalWeight : 0;
  return { score: Math.round(clamp01(blended) * 1000) / 10, label, velocity, acceleration, components };
}

/** Labels from the log-growth across the early and the late half of the window. */
function labelOf(earlyGrowth: number, lateGrowth: number): TrendLabel {
  const t = TREND_SCALES.labelThreshold;
  if (earlyGrowth > t && lateGrowth < t) return 'peaking';
  if (lateGrowth <= -t) return 'declining';
  if (lateGrowth > t && lateGrowth - earlyGrowth > t) return 'emerging';
  if (lateGrowth > t) return 'rising';
  return 'steady';
}
