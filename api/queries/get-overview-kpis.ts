// The overview's KPI cards: products, trending products, events and orders in 24 h, each with its
// value one period earlier; and the average trend score, which API clients read (scores are ranks
// against the market, so its average over all products stays near 50 and the dashboard leaves it out). The current score figures come from the product
// index once it is loaded (api/product-index.ts), from the latest scores in SQL before.
import type { ClickHouseClient } from '@clickhouse/client';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import type { ProductIndex } from '../product-index.js';
import { getPreviousProducts } from './get-previous-products.js';
import { getPreviousScoreKpis } from './get-previous-score-kpis.js';
import { readHourlyTotals, totalIn, type HourlyTotals } from './hourly-events.js';
import { latestScoresSql, rows, type BoundQuery } from './sql.js';

const TRENDING = `label IN ('emerging', 'rising')`;

/** What the product index also answers: products, trending products and the average latest score. */
const SCORE_KPI_SQL = `
SELECT (SELECT count() FROM ${TABLES.products} FINAL) AS products, countIf(${TRENDING}) AS trending, ifNotFinite(avg(score), 0) AS avgTrendScore
FROM (${latestScoresSql()})`;

// Events and orders in 24 h are counted by whole hours (hourly-events.ts). Products and scores one period
// ago are kept while the rows they come from are unchanged (get-previous-products.ts,
// get-previous-score-kpis.ts).
export interface KpiValues { products: number; trending: number; avgTrendScore: number; events24h: number; orders24h: number }
export type OverviewKpis = KpiValues & { previous: Omit<KpiValues, 'avgTrendScore'> & { avgTrendScore: number | null } };

const sec = (ms: number) => Math.floor(ms / 1000);
const DAY_MS = 86_400_000;
/** The start of the hour of `ms`, in unix seconds. */
const hourOf = (ms: number) => Math.floor(ms / 3_600_000) * 3600;

/** The first hour the events and orders KPIs at `now` count (they compare 24 h with the 24 h before, whatever the period). */
export const eventsKpiFrom = (now: number) => hourOf(now - 2 * DAY_MS);

export const scoreKpisQuery: BoundQuery = { sql: SCORE_KPI_SQL, params: {} };

export interface KpiDeps { ch: ClickHouseClient; productIndex: ProductIndex | null }

/** The KPIs at `now`; `hours`, when the caller reads them already, must start at or before eventsKpiFrom(now). */
export async function getOverviewKpis(d: KpiDeps, now: number, periodMs = DAY_MS, hours?: Promise<HourlyTotals>): Promise<OverviewKpis> {
  const scoreKpis = async () => d.productIndex ? await d.productIndex.overview() : (await rows<Record<string, number>>(d.ch, SCORE_KPI_SQL))[0];
  const [s, h, products, prev] = await Promise.all([
    scoreKpis(), hours ?? readHourlyTotals(d.ch, eventsKpiFrom(now)), getPreviousProducts(d.ch, sec(now - periodMs)), getPreviousScoreKpis(d.ch, sec(now - periodMs)),
  ]);
  const day = (counts: HourlyTotals['events']) => ({ now: totalIn(counts, hourOf(now - DAY_MS)), before: totalIn(counts, hourOf(now - 2 * DAY_MS), hourOf(now - DAY_MS)) });
  const events = day(h.events), orders = day(h.orders);
  const n = (v: unknown, d = 0) => Math.round(Number(v ?? 0) * 10 ** d) / 10 ** d;
  return {
    products: n(s.products), trending: n(s.trending), avgTrendScore: n(s.avgTrendScore, 1), events24h: n(events.now), orders24h: n(orders.now),
    previous: { products: n(products), trending: n(prev.trending), avgTrendScore: prev.avgTrendScore === null ? null : n(prev.avgTrendScore, 1), events24h: n(events.before), orders24h: n(orders.before) },
  };
}
