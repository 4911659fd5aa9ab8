// Market-wide engagement per step over [from, to), zero-filled, the still-filling steps marked:
// the overview's timeline.
import type { ClickHouseClient } from '@clickhouse/client';
import { completeBuckets, type EventTimeState } from '../../analytics/event-time.js';
import { METRICS, type Metric } from '../../schemas/events.js';
import { IN_BUCKET_RANGE, rows, sumsSql, type BoundQuery } from './sql.js';
import { isoFromUnix } from './time-range.js';

export type TimelinePoint = { ts: string; events: number; partial: boolean } & Record<Metric, number>;

export function engagementTimelineQuery(table: string, from: number, to: number, step: number): BoundQuery {
  return {
    sql: `
SELECT toUnixTimestamp(toStartOfInterval(bucket, toIntervalSecond({step:UInt32}))) AS t, sum(events) AS events, ${sumsSql(METRICS)}
FROM ${table} WHERE ${IN_BUCKET_RANGE}
GROUP BY t ORDER BY t`,
    params: { step, from, to },
  };
}

export async function getEngagementTimeline(ch: ClickHouseClient, time: EventTimeState, table: string, from: number, to: number, step: number): Promise<TimelinePoint[]> {
  const q = engagementTimelineQuery(table, from, to, step);
  const found = await rows<Record<string, number>>(ch, q.sql, q.params);
  // Zero-filled, so a quiet interval shows as zero rather than as a line drawn across it.
  const byT = new Map(found.map((row) => [Number(row.t), row]));
  const points: TimelinePoint[] = [];
  const complete = completeBuckets(from * 1000, step * 1000, (to - from) / step, time.watermarkMs, time.allowedLatenessMs);
  for (let t = from, i = 0; t < to; t += step, i++) {
    const row = byT.get(t);
    points.push({ ts: isoFromUnix(t), events: Number(row?.events ?? 0), ...(Object.fromEntries(METRICS.map((m) => [m, Number(row?.[m] ?? 0)])) as Record<Metric, number>), partial: i >= complete });
  }
  return points;
}
