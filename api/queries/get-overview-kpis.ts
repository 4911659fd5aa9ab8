// The overview's KPI cards: products, trending products, average trend score and events in
// 24 h, each with its value one period earlier.
import type { ClickHouseClient } from '@clickhouse/client';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { latestScoresSql, rows, type BoundQuery } from './sql.js';

const TRENDING = `label IN ('emerging', 'rising')`;

// Scores "one period ago" come from the history of the day before that moment, so the query
// stays bounded however long the history grows. Events in 24 h are counted by whole hours, each
// window a plain sum over a time range, so the hourly rollup's `by_time` projection answers it.
// Products one period ago are those first seen before it (the daily rollup's `first_seen`
// projection). The score history is read once for both of its figures, by time.
const PREV_HISTORY = 'WHERE computedAt < toDateTime({prev:UInt32}) AND computedAt >= toDateTime({prev:UInt32}) - INTERVAL 1 DAY';
const KPI_SQL = `
SELECT
  (SELECT uniqExact(productId) FROM ${TABLES.products}) AS products,
  (SELECT countIf(first < toDateTime({prev:UInt32})) FROM (SELECT productId, min(bucket) AS first FROM ${TABLES.engagement1d} GROUP BY productId)) AS productsPrev,
  s.trending AS trending, s.avgTrendScore AS avgTrendScore, h.trending AS trendingPrev, h.avgTrendScore AS avgTrendScorePrev,
  (SELECT sum(events) FROM ${TABLES.engagement1h} WHERE bucket >= toStartOfHour(toDateTime({day:UInt32}))) AS events24h,
  (SELECT sum(events) FROM ${TABLES.engagement1h} WHERE bucket >= toStartOfHour(toDateTime({day2:UInt32})) AND bucket < toStartOfHour(toDateTime({day:UInt32}))) AS events24hPrev
FROM (SELECT countIf(${TRENDING}) AS trending, ifNotFinite(avg(score), 0) AS avgTrendScore FROM (${latestScoresSql()})) AS s
CROSS JOIN (SELECT countIf(${TRENDING}) AS trending, ifNotFinite(avg(score), 0) AS avgTrendScore FROM (${latestScoresSql({ table: 'trendScoreHistory', where: PREV_HISTORY })})) AS h`;

export interface KpiValues { products: number; trending: number; avgTrendScore: number; events24h: number }
export type OverviewKpis = KpiValues & { previous: KpiValues };

const sec = (ms: number) => Math.floor(ms / 1000);

/** The KPI query at `now`, comparing with `periodMs` earlier (events always compare 24 h with the 24 h before). */
export function overviewKpisQuery(now: number, periodMs: number): BoundQuery {
  return { sql: KPI_SQL, params: { prev: sec(now - periodMs), day: sec(now - 86_400_000), day2: sec(now - 2 * 86_400_000) } };
}

export async function getOverviewKpis(ch: ClickHouseClient, now: number, periodMs = 86_400_000): Promise<OverviewKpis> {
  const q = overviewKpisQuery(now, periodMs);
  const [k] = await rows<Record<string, number>>(ch, q.sql, q.params);
  const n = (v: unknown, d = 0) => Math.round(Number(v ?? 0) * 10 ** d) / 10 ** d;
  return {
    products: n(k.products), trending: n(k.trending), avgTrendScore: n(k.avgTrendScore, 1), events24h: n(k.events24h),
    previous: { products: n(k.productsPrev), trending: n(k.trendingPrev), avgTrendScore: n(k.avgTrendScorePrev, 1), events24h: n(k.events24hPrev) },
  };
}
