// The overview's KPI cards: products, trending products, average trend score and events in
// 24 h, each with its value one period earlier. The current score figures come from the product
// index once it is loaded (api/product-index.ts), from the latest scores in SQL before.
import type { ClickHouseClient } from '@clickhouse/client';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import type { ProductIndex } from '../product-index.js';
import { getPreviousProducts } from './get-previous-products.js';
import { getPreviousScoreKpis } from './get-previous-score-kpis.js';
import { latestScoresSql, rows, type BoundQuery } from './sql.js';

const TRENDING = `label IN ('emerging', 'rising')`;

/** What the product index also answers: products, trending products and the average latest score. */
const SCORE_KPI_SQL = `
SELECT (SELECT count() FROM ${TABLES.products} FINAL) AS products, countIf(${TRENDING}) AS trending, ifNotFinite(avg(score), 0) AS avgTrendScore
FROM (${latestScoresSql()})`;

// Events in 24 h are counted by whole hours, each window a plain sum over a time range, so the
// hourly rollup's `by_time` projection answers it. Products and scores one period ago are kept
// while the rows they come from are unchanged (get-previous-products.ts, get-previous-score-kpis.ts).
const ENGAGEMENT_KPI_SQL = `
SELECT
  (SELECT sum(events) FROM ${TABLES.engagement1h} WHERE bucket >= toStartOfHour(toDateTime({day:UInt32}))) AS events24h,
  (SELECT sum(events) FROM ${TABLES.engagement1h} WHERE bucket >= toStartOfHour(toDateTime({day2:UInt32})) AND bucket < toStartOfHour(toDateTime({day:UInt32}))) AS events24hPrev`;

export interface KpiValues { products: number; trending: number; avgTrendScore: number; events24h: number }
export type OverviewKpis = KpiValues & { previous: KpiValues };

const sec = (ms: number) => Math.floor(ms / 1000);

/** The KPI queries at `now` (events compare 24 h with the 24 h before, whatever the period). */
export function overviewKpisQueries(now: number): { scores: BoundQuery; engagement: BoundQuery } {
  return { scores: { sql: SCORE_KPI_SQL, params: {} }, engagement: { sql: ENGAGEMENT_KPI_SQL, params: { day: sec(now - 86_400_000), day2: sec(now - 2 * 86_400_000) } } };
}

export interface KpiDeps { ch: ClickHouseClient; productIndex: ProductIndex | null }

export async function getOverviewKpis(d: KpiDeps, now: number, periodMs = 86_400_000): Promise<OverviewKpis> {
  const q = overviewKpisQueries(now);
  const scoreKpis = async () => d.productIndex ? await d.productIndex.overview() : (await rows<Record<string, number>>(d.ch, q.scores.sql))[0];
  const [s, [k], products, prev] = await Promise.all([
    scoreKpis(), rows<Record<string, number>>(d.ch, q.engagement.sql, q.engagement.params), getPreviousProducts(d.ch, sec(now - periodMs)), getPreviousScoreKpis(d.ch, sec(now - periodMs)),
  ]);
  const n = (v: unknown, d = 0) => Math.round(Number(v ?? 0) * 10 ** d) / 10 ** d;
  return {
    products: n(s.products), trending: n(s.trending), avgTrendScore: n(s.avgTrendScore, 1), events24h: n(k.events24h),
    previous: { products: n(products), trending: n(prev.trending), avgTrendScore: n(prev.avgTrendScore, 1), events24h: n(k.events24hPrev) },
  };
}
