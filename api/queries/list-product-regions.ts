// One product's engagement per region over [from, to), with each region's share of its views.
import type { ClickHouseClient } from '@clickhouse/client';
import { regionName } from '../../schemas/validate.js';
import { IN_BUCKET_RANGE, rows } from './sql.js';
import { marketRange } from './time-range.js';

const SQL = (table: string) => `
SELECT region, sum(views) AS views, sum(orders) AS orders, sum(revenue) AS revenue
FROM ${table}
WHERE productId = {id:String} AND ${IN_BUCKET_RANGE}
GROUP BY region ORDER BY views DESC, region`;

export async function listProductRegions(ch: ClickHouseClient, nowMs: number, id: string, q: { from?: string; to?: string }) {
  const { table, from, to } = marketRange(q, nowMs);
  const found = await rows<{ region: string; views: number; orders: number; revenue: number }>(ch, SQL(table), { id, from, to });
  const total = found.reduce((a, r) => a + Number(r.views), 0);
  return found.map((r) => ({
    region: r.region, name: regionName(r.region), views: Number(r.views), orders: Number(r.orders), revenue: Number(r.revenue),
    share: total > 0 ? Number(r.views) / total : 0,
  }));
}
