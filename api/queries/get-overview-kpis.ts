// The overview's KPI cards: products, trending products, average trend score and events in
// 24 h, each with its value one period earlier.
import type { ClickHouseClient } from '@clickhouse/client';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { getPreviousScoreKpis } from './get-previous-score-kpis.js';
import { latestScoresSql, rows, type BoundQuery } from './sql.js';

const TRENDING = `label IN ('emerging', 'rising')`;

// Events in 24 h are counted by whole hours, each window a plain sum over a time range, so the
// hourly rollup's `by_time` projection answers it. Products one period ago are those first seen
// before it (the daily rollup's `first_seen` projection). Scores one period ago come from the
// history (get-previous-score-kpis.ts).
const KPI_SQL = `
SELECT
  (SELECT count() FROM ${TABLES.products} FINAL) AS products,
  (SELECT countIf(first < toDateTime({prev:UInt32})) FROM (SELECT productId, min(bucket) AS first FROM ${TABLES.engagement1d} GROUP BY productId)) AS productsPrev,
  s.trending AS trending, s.avgTrendScore AS avgTrendScore,
  (SELECT sum(events) FROM ${TABLES.engagement1h} WHERE bucket >= toStartOfHour(toDateTime({day:UInt32}))) AS events24h,
  (SELECT sum(events) FROM ${TABLES.engagement1h} WHERE bucket >= toStartOfHour(toDateTime({day2:UInt32})) AND bucket < toStartOfHour(toDateTime({day:UInt32}))) AS events24hPrev
FROM (SELECT countIf(${TRENDING}) AS trending, ifNotFinite(avg(score), 0) AS avgTrendScore FROM (${latestScoresSql()})) AS s`;

export interface KpiValues { products: number; trending: number; avgTrendScore: number; events24h: number }
export type OverviewKpis = KpiValues & { previous: KpiValues };

const sec = (ms: number) => Math.floor(ms / 1000);

/** The KPI query at `now`, comparing with `periodMs` earlier (events always compare 24 h with the 24 h before). */
export function overviewKpisQuery(now: number, periodMs: number): BoundQuery {
  return { sql: KPI_SQL, params: { prev: sec(now - periodMs), day: sec(now - 86_400_000), day2: sec(now - 2 * 86_400_000) } };
}

export async function getOverviewKpis(ch: ClickHouseClient, now: number, periodMs = 86_400_000): Promise<OverviewKpis> {
  const q = overviewKpisQuery(now, periodMs);
  const [[k], prev] = await Promise.all([rows<Record<string, number>>(ch, q.sql, q.params), getPreviousScoreKpis(ch, sec(now - periodMs))]);
  const n = (v: unknown, d = 0) => Math.round(Number(v ?? 0) * 10 ** d) / 10 ** d;
  return {
    products: n(k.products), trending: n(k.trending), avgTrendScore: n(k.avgTrendScore, 1), events24h: n(k.events24h),
    previous: { products: n(k.productsPrev), trending: n(prev.trending), avgTrendScore: n(prev.avgTrendScore, 1), events24h: n(k.events24hPrev) },
  };
}
