// One product's engagement metric per interval over [from, to), zero-filled, the still-filling
// buckets marked. Weeks follow the product's own weekday when its series is weekly (`origin`).
import type { ClickHouseClient } from '@clickhouse/client';
import type { EventTimeState } from '../../analytics/event-time.js';
import type { Metric } from '../../schemas/events.js';
import { IN_BUCKET_RANGE, rows } from './sql.js';
import { bucketRange, bucketStartSql, INTERVALS, ISO_WEEK_ORIGIN, seriesPoints, zeroFilled, type Interval } from './time-range.js';

export interface TimeseriesParams { metric?: Metric | 'events'; interval?: Interval; from?: string; to?: string }

export async function getProductTimeseries(ch: ClickHouseClient, nowMs: number, time: EventTimeState, id: string, q: TimeseriesParams, origin = ISO_WEEK_ORIGIN) {
  const metric = q.metric ?? 'views';
  const interval = q.interval ?? '1h';
  const iv = INTERVALS[interval];
  const grid = interval === '1w' ? origin : 0;
  const { from, to } = bucketRange(q, nowMs, iv.sec, iv.span, grid);
  const found = await rows<{ t: number; value: number }>(ch, `
    SELECT ${bucketStartSql(interval, grid)} AS t, sum(${metric}) AS value FROM ${iv.table}
    WHERE productId = {id:String} AND ${IN_BUCKET_RANGE}
    GROUP BY t ORDER BY t`, { id, from, to });
  return { productId: id, metric, interval, points: seriesPoints(zeroFilled(found, from, to, iv.sec, (r) => Number(r.value)), from, iv.sec, time) };
}
