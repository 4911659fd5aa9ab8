// One product: its metadata (Postgres, else the ClickHouse mirror for products known only by
// their events), latest score with its components, 24-hour totals and a plain-language insight
// from two weeks of hourly engagement.
import type { ClickHouseClient } from '@clickhouse/client';
import { eq } from 'drizzle-orm';
import { NotFoundError } from '../../core/errors.js';
import type { Db } from '../../core/stores/postgres.js';
import { settledBefore } from '../../analytics/event-time.js';
import { insight, summarizeSeries, type SeriesPoint } from '../../analytics/insight.js';
import { STEPS } from '../../analytics/granularity.js';
import { loadNativeStep } from '../../processors/native-step.js';
import { readWatermark } from '../../processors/watermark.js';
import { STEP_PROFILES } from '../../processors/scorer.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { METRICS } from '../../schemas/events.js';
import { products } from '../../schemas/postgres/schema.js';
import type { ProductDetail } from '../schemas/products.js';
import { latestProductsSql, latestScoresSql, rows, sumsSql } from './sql.js';
import { isoFromCh } from './time-range.js';

const ID = 'WHERE productId = {id:String}';
const SCORE_SQL = latestScoresSql({
  columns: ['score', 'label', 'velocity', 'acceleration', 'c_velocity', 'c_acceleration', 'c_volume', 'c_breadth', 'c_conversion', 'c_saturation'],
  where: ID,
});
const TOTALS_SQL = `
SELECT sum(events) AS events, ${sumsSql(METRICS)}
FROM ${TABLES.engagement1m} ${ID} AND bucket >= toDateTime({since:UInt32})`;
// Hourly engagement by platform and region over two weeks: the input of the plain-language insight.
const INSIGHT_SQL = `
SELECT toUnixTimestamp(bucket) AS t, platform, region, ${sumsSql(METRICS)}
FROM ${TABLES.engagement1h} ${ID} AND bucket >= toDateTime({since:UInt32})
GROUP BY t, platform, region`;
const INSIGHT_DAYS = 14;
const DIM_SQL = latestProductsSql(['title', 'category'], ID);

export interface ProductDeps {
  ch: ClickHouseClient; db: Db; now: number;
  /** The insight compares settled hours only: those behind the watermark by this much. */
  allowedLatenessMs: number;
}

export async function getProduct(d: ProductDeps, id: string): Promise<ProductDetail> {
  const since = Math.floor(d.now / 1000) - 86400;
  const [[meta], [score], [totals], [dim], hourly, native, watermark] = await Promise.all([
    d.db.select().from(products).where(eq(products.productId, id)).limit(1),
    rows<Record<string, number | string>>(d.ch, SCORE_SQL, { id }),
    rows<Record<string, number>>(d.ch, TOTALS_SQL, { id, since }),
    rows<{ title: string; category: string }>(d.ch, DIM_SQL, { id }),
    rows<Record<string, number | string>>(d.ch, INSIGHT_SQL, { id, since: Math.floor(d.now / 1000) - INSIGHT_DAYS * 86400 }),
    loadNativeStep(d.ch, id),
    readWatermark(d.ch, d.now),
  ]);
  if (!meta && !dim) throw new NotFoundError('product', id);
  const points: SeriesPoint[] = hourly.map((r) => ({ ts: Number(r.t) * 1000, platform: String(r.platform), region: String(r.region), ...Object.fromEntries(METRICS.map((m) => [m, Number(r[m])])) }));
  const num = (v: unknown) => Number(v ?? 0);
  return {
    productId: id,
    title: meta?.title ?? dim.title ?? id,
    category: meta?.category ?? dim.category ?? 'Uncategorized',
    brand: meta?.brand ?? null, price: meta?.price ?? null, currency: meta?.currency ?? null, imageUrl: meta?.imageUrl ?? null,
    sourceUrl: meta?.sourceUrl ?? null, source: meta ? meta.source : 'events', tags: meta?.tags ?? [],
    insight: points.length ? insight(summarizeSeries(points, { now: settledBefore(watermark, d.allowedLatenessMs) })) : null,
    createdAt: meta?.createdAt.toISOString() ?? null, updatedAt: meta?.updatedAt.toISOString() ?? null,
    trend: !score ? null : {
      score: num(score.score), label: String(score.label), velocity: num(score.velocity), acceleration: num(score.acceleration),
      components: { velocity: num(score.c_velocity), acceleration: num(score.c_acceleration), volume: num(score.c_volume), breadth: num(score.c_breadth), conversion: num(score.c_conversion), saturation: num(score.c_saturation) },
      computedAt: isoFromCh(String(score.scoredAt)),
      windowSteps: STEP_PROFILES[native.step].bins * STEP_PROFILES[native.step].binSteps,
    },
    totals24h: Object.fromEntries(['events', ...METRICS].map((m) => [m, num(totals?.[m])])) as ProductDetail['totals24h'],
    /** The step its engagement arrives at: 1h live; 1d, 1w or 1mo for imported histories. */
    nativeInterval: STEPS[native.step].interval as ProductDetail['nativeInterval'],
  };
}
