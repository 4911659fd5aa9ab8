// Rows written straight into the hourly rollup, for tests of what reads it (the scorer): each row
// one (product, hour, region, platform) with its counts, in ROLLUP_COLUMNS order.
import type { ClickHouseClient } from '@clickhouse/client';
import { TABLES } from '../../schemas/clickhouse/tables.js';

export const ROLLUP_COLUMNS: [string, ...string[]] = ['productId', 'bucket', 'region', 'platform', 'views', 'events', 'likes', 'shares', 'comments', 'orders', 'revenue', 'searches'];

/** Inserts rows of ROLLUP_COLUMNS (`bucket` in unix seconds) into engagement_1h. */
export async function insertHourlyRollups(ch: ClickHouseClient, values: unknown[][]): Promise<void> {
  await ch.insert({ table: TABLES.engagement1h, values, format: 'JSONCompactEachRow', columns: ROLLUP_COLUMNS });
}
