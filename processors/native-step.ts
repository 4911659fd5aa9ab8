// Which step a product's engagement arrives at: hourly for live engagement, daily/weekly/monthly
// for imported histories. Read from where its stored buckets fall in engagement_1h (kept for
// the whole history, unlike the 1-minute rollup): an import of weekly points leaves one hourly
// bucket a week, all at the same time of the week. The one query every reader of a product's
// series calls before choosing its step (scorer, forecaster, API).
import type { ClickHouseClient } from '@clickhouse/client';
import { inferStep, type StepInfo } from '../analytics/granularity.js';
import { TABLES } from '../schemas/clickhouse/tables.js';

/** The latest buckets looked at per product: enough to see the grid, bounded for live products. */
export const NATIVE_STEP_BUCKETS = 256;

const NATIVE_STEP_SQL = `
SELECT productId, arraySlice(arrayReverseSort(groupUniqArray(toUnixTimestamp(bucket))), 1, {n:UInt32}) AS ts
FROM ${TABLES.engagement1h}
WHERE productId IN {ids:Array(String)}
GROUP BY productId`;

/**
 * Native step of each product, from its latest stored buckets (a product whose history is
 * weekly but has gone live since is hourly: its recent buckets decide). Products with no
 * stored engagement are hourly, the step live engagement starts at.
 */
export async function loadNativeSteps(ch: ClickHouseClient, productIds: readonly string[]): Promise<Map<string, StepInfo>> {
  const out = new Map<string, StepInfo>();
  if (!productIds.length) return out;
  const rs = await ch.query({ query: NATIVE_STEP_SQL, query_params: { ids: productIds, n: NATIVE_STEP_BUCKETS }, format: 'JSONEachRow' });
  for (const r of await rs.json<{ productId: string; ts: (number | string)[] }>()) {
    out.set(r.productId, inferStep(r.ts.map((t) => Number(t) * 1000)));
  }
  for (const id of productIds) if (!out.has(id)) out.set(id, inferStep([]));
  return out;
}

export async function loadNativeStep(ch: ClickHouseClient, productId: string): Promise<StepInfo> {
  return (await loadNativeSteps(ch, [productId])).get(productId)!;
}
