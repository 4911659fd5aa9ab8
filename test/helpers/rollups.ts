// Rows written straight into the hourly rollup, for tests of what reads it (the scorer): each row
// one (product, hour, region, platform) with its counts, in ROLLUP_COLUMNS order.
import type { ClickHouseClient } from '@clickhouse/client';
import { mulberry32 } from '../../core/random.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';

export const ROLLUP_COLUMNS: [string, ...string[]] = ['productId', 'bucket', 'region', 'platform', 'views', 'events', 'likes', 'shares', 'comments', 'orders', 'revenue', 'searches'];

/** Inserts rows of ROLLUP_COLUMNS (`bucket` in unix seconds) into engagement_1h. */
export async function insertHourlyRollups(ch: ClickHouseClient, values: unknown[][]): Promise<void> {
  await ch.insert({ table: TABLES.engagement1h, values, format: 'JSONCompactEachRow', columns: ROLLUP_COLUMNS });
}

/**
 * Hourly rows (ROLLUP_COLUMNS) of `products` products p-0, p-1 … over `hours` hours from `t0`
 * (unix s), one region and platform: random views that a third of the products keep flat, a
 * third double and a third triple over the span, with likes, shares and comments in proportion.
 */
export function randomHourlyRollups(o: { seed: number; products: number; hours: number; t0: number }): unknown[][] {
  const rand = mulberry32(o.seed);
  const values: unknown[][] = [];
  for (let i = 0; i < o.products; i++) {
    for (let h = 0; h < o.hours; h++) {
      const views = Math.floor(rand() * 4000 * (1 + (i % 3) * h / o.hours));
      values.push([`p-${i}`, o.t0 + h * 3600, 'US', 'tiktok', views, views, Math.floor(views / 20), Math.floor(views / 200), Math.floor(views / 100), Math.floor(rand() * 30), 0, 0]);
    }
  }
  return values;
}
