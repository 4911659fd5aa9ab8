// The highest latest trend scores, with the products' metadata: from the product index once it
// is loaded, from SQL before.
import type { ClickHouseClient } from '@clickhouse/client';
import type { ProductIndex } from '../product-index.js';
import { latestProductsSql, latestScoresSql, rows, type BoundQuery } from './sql.js';

const TOP_SQL = `
SELECT s.productId AS productId, p.title AS title, p.category AS category, p.imageUrl AS imageUrl, s.score AS score, s.label AS label, s.velocity AS velocity
FROM (${latestScoresSql()}) AS s
LEFT JOIN (${latestProductsSql(['title', 'category', 'imageUrl'])}) AS p USING productId
ORDER BY score DESC, productId LIMIT {limit:UInt32}`;

export interface TopProduct { productId: string; title: string; category: string; imageUrl: string | null; score: number; label: string; velocity: number }

export const topProductsQuery = (limit: number): BoundQuery => ({ sql: TOP_SQL, params: { limit } });

export async function listTopProducts(d: { ch: ClickHouseClient; productIndex: ProductIndex | null }, limit: number): Promise<TopProduct[]> {
  const q = topProductsQuery(limit);
  const found = d.productIndex ? await d.productIndex.top(limit) : await rows<{ productId: string; title: string | null; category: string | null; imageUrl: string | null; score: number; label: string; velocity: number }>(d.ch, q.sql, q.params);
  return found.map((p) => ({ ...p, title: p.title || p.productId, category: p.category || 'Uncategorized', imageUrl: p.imageUrl || null }));
}
