// Which step a product's engagement arrives at: hourly for live engagement, daily/weekly/monthly
// for imported histories. Read from where its stored buckets fall in engagement_1h (kept for
// the whole history, unlike the 1-minute rollup): an import of weekly points leaves one hourly
// bucket a week, all at the same time of the week. The one query every reader of a product's
// series calls before choosing its step (scorer, forecaster, API).
import type { ClickHouseClient } from '@clickhouse/client';
import { inferStep, splitHistory, STEPS, type StepInfo } from '../analytics/granularity.js';
import { TABLES } from '../schemas/clickhouse/tables.js';
import { queryEach } from '../core/stores/clickhouse.js';

/** The latest buckets looked at per product: enough to see the grid, bounded for live products. */
export const NATIVE_STEP_BUCKETS = 256;

/**
 * Live engagement that follows an imported history is analysed hourly once it spans a week (the
 * hourly trend window, and enough hours to forecast a day ahead with its daily cycle); before
 * that, at the import's step, with the live hours summed into its buckets.
 */
export const LIVE_SPAN_MS = 7 * 24 * 3_600_000;

export interface NativeStep extends StepInfo {
  /** Start of the latest stored bucket (ms); null without stored engagement. */
  last: number | null;
  /** Hourly products with an imported history before their live engagement: where the live part starts (ms). */
  liveFrom?: number;
}

const NATIVE_STEP_SQL = `
SELECT productId, arraySlice(arrayReverseSort(groupUniqArray(toUnixTimestamp(bucket))), 1, {n:UInt32}) AS ts
FROM ${TABLES.engagement1h}
WHERE productId IN {ids:Array(String)}
GROUP BY productId`;

/**
 * The step of a product from its latest bucket starts: the step they share; for an imported
 * history followed by live hours, the import's step until the live part spans LIVE_SPAN_MS,
 * then hourly from where the live part starts (the imported buckets are not hours).
 */
export function nativeStepOf(ts: readonly number[]): NativeStep {
  const info = inferStep(ts);
  const last = ts.length ? Math.max(...ts) : null;
  if (info.step !== 'hour' || last === null) return { ...info, last };
  const mix = splitHistory(ts);
  if (!mix) return { ...info, last };
  return last + STEPS.hour.ms - mix.liveFrom < LIVE_SPAN_MS ? { ...mix.coarse, last } : { ...info, last, liveFrom: mix.liveFrom };
}

/** Native step of each product from its latest stored buckets; products with no stored engagement are hourly. */
export async function loadNativeSteps(ch: ClickHouseClient, productIds: readonly string[]): Promise<Map<string, NativeStep>> {
  if (!productIds.length) return new Map();
  // Row by row with turns of the event loop: 10k products of 256 buckets each are seconds of work.
  const out = new Map(await queryEach(ch, NATIVE_STEP_SQL, { ids: productIds, n: NATIVE_STEP_BUCKETS },
    (r): [string, NativeStep] => [r[0] as string, nativeStepOf((r[1] as (number | string)[]).map((t) => Number(t) * 1000))]));
  for (const id of productIds) if (!out.has(id)) out.set(id, nativeStepOf([]));
  return out;
}

export async function loadNativeStep(ch: ClickHouseClient, productId: string): Promise<NativeStep> {
  return (await loadNativeSteps(ch, [productId])).get(productId)!;
}
