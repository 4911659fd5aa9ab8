// Lead–lag between every pair of metrics in the market, a category or a product
// (analytics/lead-lag.ts): per product, on the complete buckets of the range only, pooled over
// the scope's most active products; in the market each product is normalised by the rest of the
// market's traffic, in a category by the traffic of the market outside the category.
import type { ClickHouseClient } from '@clickhouse/client';
import { completeBuckets, type EventTimeState } from '../../analytics/event-time.js';
import { seasonalPeriods } from '../../analytics/granularity.js';
import { leadLag, type LeadLagUnit } from '../../analytics/lead-lag.js';
import { METRICS, type Metric } from '../../schemas/events.js';
import { IN_BUCKET_RANGE, latestProductsSql, rows, sumsSql } from './sql.js';
import { bucketRange, bucketStartSql, INTERVALS, ISO_WEEK_ORIGIN, type Interval } from './time-range.js';

export type CorrelationScope = { kind: 'all' } | { kind: 'category'; category: string } | { kind: 'product'; id: string };

export const CORRELATIONS = {
  /** Products pooled at most: the most active of the scope in the range. */
  maxProducts: 100,
  /** Product × bucket cells read at most (a long range at a fine interval pools fewer products). */
  maxCells: 200_000,
  defaultMaxLag: 6,
  alpha: 0.05,
} as const;

/** The cycles of n buckets of an interval (analytics/granularity.ts); minutes carry the hourly step's, in minutes. */
function cycles(interval: Interval, n: number): number[] {
  if (interval === '1m') return seasonalPeriods('hour', Math.floor(n / 60)).map((p) => p * 60);
  return seasonalPeriods(({ '1h': 'hour', '1d': 'day', '1w': 'week' } as const)[interval], n);
}

const SCOPE_SQL = {
  all: '',
  category: `productId IN (SELECT productId FROM (${latestProductsSql(['category'])}) WHERE category = {category:String}) AND`,
  product: 'productId = {id:String} AND',
};

// The scope's most active products in the range, then their metrics per bucket.
const productsSql = (interval: Interval, scope: CorrelationScope['kind']) => `
SELECT ${bucketStartSql(interval)} AS t, productId, ${sumsSql(METRICS)}
FROM ${INTERVALS[interval].table}
WHERE productId IN (
    SELECT productId FROM ${INTERVALS[interval].table}
    WHERE ${SCOPE_SQL[scope]} ${IN_BUCKET_RANGE}
    GROUP BY productId ORDER BY sum(events) DESC, productId LIMIT {limit:UInt32})
  AND ${IN_BUCKET_RANGE}
GROUP BY t, productId`;

// Market traffic: views per bucket of every product (market scope) or of every product outside
// the category (category scope).
const trafficSql = (interval: Interval, scope: 'all' | 'category') => `
SELECT ${bucketStartSql(interval)} AS t, sum(views) AS views
FROM ${INTERVALS[interval].table}
WHERE ${scope === 'category' ? `productId NOT IN (SELECT productId FROM (${latestProductsSql(['category'])}) WHERE category = {category:String}) AND ` : ''}${IN_BUCKET_RANGE}
GROUP BY t`;

export interface CorrelationParams { scope: CorrelationScope; maxLag?: number; interval?: Interval; from?: string; to?: string }

export async function listMetricCorrelations(ch: ClickHouseClient, nowMs: number, time: EventTimeState, q: CorrelationParams) {
  const interval = q.interval ?? '1h';
  const iv = INTERVALS[interval];
  const maxLag = q.maxLag ?? CORRELATIONS.defaultMaxLag;
  const range = bucketRange(q, nowMs, iv.sec, iv.span, interval === '1w' ? ISO_WEEK_ORIGIN : 0);
  // Only complete buckets: a still-filling one would read as a collapse in every metric at once.
  const buckets = completeBuckets(range.from * 1000, iv.sec * 1000, (range.to - range.from) / iv.sec, time.watermarkMs, time.allowedLatenessMs);
  const from = range.from, to = range.from + buckets * iv.sec;
  const limit = Math.max(1, Math.min(CORRELATIONS.maxProducts, Math.floor(CORRELATIONS.maxCells / Math.max(1, buckets))));
  const params = { from, to, limit, category: q.scope.kind === 'category' ? q.scope.category : '', id: q.scope.kind === 'product' ? q.scope.id : '' };
  const pooled = q.scope.kind !== 'product';
  const [found, traffic] = buckets > 0
    ? await Promise.all([
      rows<Record<Metric, number> & { t: number; productId: string }>(ch, productsSql(interval, q.scope.kind), params),
      q.scope.kind !== 'product' ? rows<{ t: number; views: number }>(ch, trafficSql(interval, q.scope.kind), params) : Promise.resolve([]),
    ])
    : [[], []];
  const units = new Map<string, Record<Metric, number[]>>();
  for (const r of found) {
    let u = units.get(r.productId);
    if (!u) units.set(r.productId, (u = Object.fromEntries(METRICS.map((m) => [m, new Array<number>(buckets).fill(0)])) as Record<Metric, number[]>));
    const i = (Number(r.t) - from) / iv.sec;
    for (const m of METRICS) u[m][i] = Number(r[m] ?? 0);
  }
  const total = new Array<number>(buckets).fill(0);
  for (const r of traffic) total[(Number(r.t) - from) / iv.sec] = Number(r.views ?? 0);
  const result = leadLag(METRICS, [...units.values()] as LeadLagUnit<Metric>[], { maxLag, periods: cycles(interval, buckets), alpha: CORRELATIONS.alpha }, pooled ? { metric: 'views', total, includesUnits: q.scope.kind === 'all' } : undefined);
  return {
    interval, maxLag, from: new Date(from * 1000).toISOString(), to: new Date(to * 1000).toISOString(),
    products: units.size, productsUsed: result.units, tests: result.tests, alpha: result.alpha,
    items: result.items.map(({ units: used, ...item }) => ({ ...item, products: used })),
  };
}
