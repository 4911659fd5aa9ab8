// One product's engagement metric per interval over [from, to), zero-filled.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Metric } from '../../schemas/events.js';
import { IN_BUCKET_RANGE, rows } from './sql.js';
import { bucketRange, INTERVALS, isoFromUnix, type Interval } from './time-range.js';

export interface TimeseriesParams { metric?: Metric | 'events'; interval?: Interval; from?: string; to?: string }

export async function getProductTimeseries(ch: ClickHouseClient, nowMs: number, id: string, q: TimeseriesParams) {
  const metric = q.metric ?? 'views';
  const interval = q.interval ?? '1h';
  const iv = INTERVALS[interval];
  const { from, to } = bucketRange(q, nowMs, iv.sec, iv.span);
  const found = await rows<{ t: number; value: number }>(ch, `
    SELECT toUnixTimestamp(bucket) AS t, sum(${metric}) AS value FROM ${iv.table}
    WHERE productId = {id:String} AND ${IN_BUCKET_RANGE}
    GROUP BY t ORDER BY t`, { id, from, to });
  const byT = new Map(found.map((r) => [Number(r.t), Number(r.value)]));
  const points = [];
  for (let t = from; t < to; t += iv.sec) points.push({ ts: isoFromUnix(t), value: byT.get(t) ?? 0 });
  return { productId: id, metric, interval, points };
}
