// Per category: products, views since `from` and the average latest trend score. The product
// index, once loaded, counts the products and their scores and puts each product's views (from
// the hourly rollup) in its category: joining them to `products FINAL` in SQL cost more than the
// rest of the overview together (62 / 224 ms p50 / p95 at 100k products).
import type { ClickHouseClient } from '@clickhouse/client';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import type { ProductIndex } from '../product-index.js';
import { compareStrings } from './list-products.js';
import { latestProductsSql, latestScoresSql, rows, type BoundQuery } from './sql.js';

const VIEWS = `SELECT productId, sum(views) AS views FROM ${TABLES.engagement1h} WHERE bucket >= toDateTime({from:UInt32}) GROUP BY productId`;

const CATEGORIES_SQL = `
SELECT p.category AS category, count() AS products, sum(e.views) AS views, round(ifNotFinite(avg(s.score), 0), 1) AS avgScore
FROM (${latestProductsSql(['category'])}) AS p
LEFT JOIN (${VIEWS}) AS e USING productId
LEFT JOIN (${latestScoresSql()}) AS s USING productId
GROUP BY category ORDER BY views DESC, category
SETTINGS join_use_nulls = 1`;


export interface CategoryStats { category: string; products: number; views: number; avgScore: number }

export const categoryStatsQuery = (from: number): BoundQuery => ({ sql: CATEGORIES_SQL, params: { from } });
/** Views per product since `from`, which the index sums per category: one row of two arrays, parsed at once rather than a row per product. */
export const productViewsQuery = (from: number): BoundQuery => ({ sql: `SELECT groupArray(productId) AS ids, groupArray(views) AS views FROM (${VIEWS})`, params: { from } });

/** ClickHouse's round(x, 1) on a Float64: half to even. */
const round1 = (x: number) => { const y = x * 10, r = Math.round(y); return (r - y === 0.5 && r % 2 !== 0 ? r - 1 : r) / 10; };

export async function listCategoryStats(d: { ch: ClickHouseClient; productIndex: ProductIndex | null }, from: number): Promise<CategoryStats[]> {
  if (!d.productIndex) {
    const q = categoryStatsQuery(from);
    const found = await rows<{ category: string; products: number; views: number | null; avgScore: number | null }>(d.ch, q.sql, q.params);
    return found.map((c) => ({ category: c.category, products: Number(c.products), views: Number(c.views ?? 0), avgScore: Number(c.avgScore ?? 0) }));
  }
  const q = productViewsQuery(from);
  const [perProduct] = await rows<{ ids: string[]; views: (string | number)[] }>(d.ch, q.sql, q.params);
  const views = await d.productIndex.viewsByCategory(perProduct.ids, perProduct.views);
  return (await d.productIndex.overview()).categories
    .map((c) => ({ category: c.category, products: c.products, views: views.get(c.category) ?? 0, avgScore: c.scored ? round1(c.scoreSum / c.scored) : 0 }))
    .sort((a, b) => b.views - a.views || compareStrings(a.category, b.category));
}
