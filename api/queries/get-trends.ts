// Metrics on one time axis (summed over the given products, or the whole market), zero-filled,
// the still-filling buckets marked, with the velocity and acceleration of those products (or of the fastest).
import type { ClickHouseClient } from '@clickhouse/client';
import { ValidationError } from '../../core/errors.js';
import type { SeriesMetric } from '../schemas/products.js';
import { TRENDS, type Trends } from '../schemas/trends.js';
import { IN_BUCKET_RANGE, latestProductsSql, latestScoresSql, rows, sumsSql } from './sql.js';
import type { EventTimeState } from '../../analytics/event-time.js';
import { bucketRange, bucketStartSql, INTERVALS, ISO_WEEK_ORIGIN, seriesPoints, zeroFilled, type Interval } from './time-range.js';

const IDS = 'WHERE productId IN {ids:Array(String)}';

const seriesSql = (interval: Interval, metrics: readonly SeriesMetric[], byProducts: boolean) => `
SELECT ${bucketStartSql(interval)} AS t, ${sumsSql(metrics)}
FROM ${INTERVALS[interval].table}
WHERE ${byProducts ? 'productId IN {ids:Array(String)} AND ' : ''}${IN_BUCKET_RANGE}
GROUP BY t ORDER BY t`;

// Velocity leaders (or the asked-for products) from the latest scores.
const velocitySql = (byProducts: boolean) => `
SELECT s.productId AS productId, p.title AS title, s.velocity AS velocity, s.acceleration AS acceleration, s.label AS label
FROM (${latestScoresSql({ where: byProducts ? IDS : '' })}) AS s
LEFT JOIN (${latestProductsSql(['title'], byProducts ? IDS : '')}) AS p USING productId
ORDER BY velocity DESC, productId LIMIT {limit:UInt32}`;

export interface TrendsParams { metrics?: readonly SeriesMetric[]; productIds?: readonly string[]; interval?: Interval; from?: string; to?: string }

export async function getTrends(ch: ClickHouseClient, nowMs: number, time: EventTimeState, q: TrendsParams): Promise<Trends> {
  const metrics = [...new Set<SeriesMetric>(q.metrics ?? ['views'])];
  const ids = [...new Set(q.productIds ?? [])];
  if (ids.length > TRENDS.maxProducts) throw new ValidationError('too many products', [{ field: 'productIds', reason: `at most ${TRENDS.maxProducts}` }]);
  const interval = q.interval ?? '1h';
  const iv = INTERVALS[interval];
  const { from, to } = bucketRange(q, nowMs, iv.sec, iv.span, interval === '1w' ? ISO_WEEK_ORIGIN : 0);
  const byProducts = ids.length > 0;
  const [series, velocity] = await Promise.all([
    rows<Record<string, number> & { t: number }>(ch, seriesSql(interval, metrics, byProducts), { ids, from, to }),
    rows<{ productId: string; title: string; velocity: number; acceleration: number; label: string }>(ch, velocitySql(byProducts), { ids, limit: byProducts ? ids.length : TRENDS.leaders }),
  ]);
  const num = (v: unknown) => Number(v ?? 0);
  return {
    interval,
    series: metrics.map((m) => ({ metric: m, points: seriesPoints(zeroFilled(series, from, to, iv.sec, (r) => num(r[m])), from, iv.sec, time) })),
    velocity: velocity.map((v) => ({ productId: v.productId, title: v.title || v.productId, velocity: num(v.velocity), acceleration: num(v.acceleration), label: v.label || null })),
  };
}
