// Per category: products, views since `from` and the average latest trend score.
import type { ClickHouseClient } from '@clickhouse/client';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { latestProductsSql, latestScoresSql, rows, type BoundQuery } from './sql.js';

const CATEGORIES_SQL = `
SELECT p.category AS category, count() AS products, sum(e.views) AS views, round(ifNotFinite(avg(s.score), 0), 1) AS avgScore
FROM (${latestProductsSql(['category'])}) AS p
LEFT JOIN (SELECT productId, sum(views) AS views FROM ${TABLES.engagement1h} WHERE bucket >= toDateTime({from:UInt32}) GROUP BY productId) AS e USING productId
LEFT JOIN (${latestScoresSql()}) AS s USING productId
GROUP BY category ORDER BY views DESC, category
SETTINGS join_use_nulls = 1`;

export interface CategoryStats { category: string; products: number; views: number; avgScore: number }

export const categoryStatsQuery = (from: number): BoundQuery => ({ sql: CATEGORIES_SQL, params: { from } });

export async function listCategoryStats(ch: ClickHouseClient, from: number): Promise<CategoryStats[]> {
  const q = categoryStatsQuery(from);
  const found = await rows<{ category: string; products: number; views: number | null; avgScore: number | null }>(ch, q.sql, q.params);
  return found.map((c) => ({ category: c.category, products: Number(c.products), views: Number(c.views ?? 0), avgScore: Number(c.avgScore ?? 0) }));
}
