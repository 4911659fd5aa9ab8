// Demand per region over [from, to) against the equally long period before, with growth,
// competition and market opportunity.
import type { ClickHouseClient } from '@clickhouse/client';
import { regionName } from '../../schemas/validate.js';
import { ENGAGEMENT_SQL, rows } from './sql.js';
import { marketRange } from './time-range.js';

// Demand (weighted engagement) now and in the equally long period before, and how many of the
// products active anywhere in the period are active in each region. (Aliases differ from the
// column names, which the demand expression reads.)
const SQL = (table: string) => `
SELECT region,
  sumIf(views, bucket >= toDateTime({from:UInt32})) AS periodViews,
  sumIf(orders, bucket >= toDateTime({from:UInt32})) AS periodOrders,
  sumIf(revenue, bucket >= toDateTime({from:UInt32})) AS periodRevenue,
  sumIf(${ENGAGEMENT_SQL}, bucket >= toDateTime({from:UInt32})) AS demand,
  sumIf(${ENGAGEMENT_SQL}, bucket < toDateTime({from:UInt32})) AS prevDemand,
  uniqExactIf(productId, bucket >= toDateTime({from:UInt32})) AS products,
  (SELECT uniqExact(productId) FROM ${table} WHERE bucket >= toDateTime({from:UInt32}) AND bucket < toDateTime({to:UInt32})) AS active
FROM ${table}
WHERE bucket >= toDateTime({prevFrom:UInt32}) AND bucket < toDateTime({to:UInt32})
GROUP BY region
ORDER BY periodViews DESC, region`;

/**
 * growth = ln((1 + demand) / (1 + demand in the previous period)), demand being weighted
 * engagement (0: flat, ln 2: doubled); competition = share of the period's active products
 * present in the region (1: every product already sells there); opportunity (0–100) =
 * 100 · max(0, tanh(growth / ln 2)) · (1 − competition): growing demand that few products serve.
 */
export function regionOpportunity(demand: number, prevDemand: number, products: number, active: number) {
  const growth = Math.log((1 + demand) / (1 + prevDemand));
  const competition = active > 0 ? products / active : 0;
  const opportunity = Math.round(1000 * Math.max(0, Math.tanh(growth / Math.LN2)) * (1 - competition)) / 10;
  return { growth, competition, opportunity };
}

export async function listRegionOpportunities(ch: ClickHouseClient, nowMs: number, q: { from?: string; to?: string }) {
  const { table, from, to } = marketRange(q, nowMs);
  // The previous period must be a time a bucket can hold too.
  const prevFrom = Math.max(0, from - (to - from));
  const found = await rows<{ region: string; periodViews: number; periodOrders: number; periodRevenue: number; demand: number; prevDemand: number; products: number; active: number }>(
    ch, SQL(table), { from, to, prevFrom });
  const n = (v: unknown) => Number(v ?? 0);
  return found.map((r) => ({
    region: r.region, name: regionName(r.region), views: n(r.periodViews), orders: n(r.periodOrders), revenue: n(r.periodRevenue),
    products: n(r.products), ...regionOpportunity(n(r.demand), n(r.prevDemand), n(r.products), n(r.active)),
  }));
}
