// Lagged correlation between every pair of metrics (first differences of the summed series of
// the market, a category or a product), at the lag with the largest |r|.
import type { ClickHouseClient } from '@clickhouse/client';
import { crossCorrelation, difference } from '../../analytics/correlation.js';
import { METRICS, type Metric } from '../../schemas/events.js';
import { IN_BUCKET_RANGE, latestProductsSql, rows, sumsSql } from './sql.js';
import { bucketRange, INTERVALS, zeroFilled, type Interval } from './time-range.js';

export type CorrelationScope = { kind: 'all' } | { kind: 'category'; category: string } | { kind: 'product'; id: string };

const SCOPE_SQL = {
  all: '',
  category: `productId IN (SELECT productId FROM (${latestProductsSql(['category'])}) WHERE category = {category:String}) AND`,
  product: 'productId = {id:String} AND',
};

const seriesSql = (table: string, scope: CorrelationScope['kind']) => `
SELECT toUnixTimestamp(bucket) AS t, ${sumsSql(METRICS)}
FROM ${table}
WHERE ${SCOPE_SQL[scope]} ${IN_BUCKET_RANGE}
GROUP BY t ORDER BY t`;

export interface CorrelationParams { scope: CorrelationScope; maxLag?: number; interval?: Interval; from?: string; to?: string }

export async function listMetricCorrelations(ch: ClickHouseClient, nowMs: number, q: CorrelationParams) {
  const iv = INTERVALS[q.interval ?? '1h'];
  const { from, to } = bucketRange(q, nowMs, iv.sec, iv.span);
  const found = await rows<Record<Metric, number> & { t: number }>(ch, seriesSql(iv.table, q.scope.kind), {
    from, to, category: q.scope.kind === 'category' ? q.scope.category : '', id: q.scope.kind === 'product' ? q.scope.id : '',
  });
  const diffs = Object.fromEntries(METRICS.map((m) => [m, difference(zeroFilled(found, from, to, iv.sec, (r) => Number(r[m] ?? 0)))])) as Record<Metric, number[]>;
  const items = [];
  for (let i = 0; i < METRICS.length; i++) {
    for (let j = i + 1; j < METRICS.length; j++) {
      const { best } = crossCorrelation(diffs[METRICS[i]], diffs[METRICS[j]], q.maxLag ?? 6);
      items.push({ a: METRICS[i], b: METRICS[j], r: best.r, lag: best.lag, n: best.n, pValue: best.pValue });
    }
  }
  return items;
}
