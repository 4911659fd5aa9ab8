// Market-wide engagement per step over [from, to), zero-filled: the overview's timeline.
import type { ClickHouseClient } from '@clickhouse/client';
import { METRICS, type Metric } from '../../schemas/events.js';
import { IN_BUCKET_RANGE, rows, sumsSql, type BoundQuery } from './sql.js';
import { isoFromUnix } from './time-range.js';

export type TimelinePoint = { ts: string; events: number } & Record<Metric, number>;

export function engagementTimelineQuery(table: string, from: number, to: number, step: number): BoundQuery {
  return {
    sql: `
SELECT toUnixTimestamp(toStartOfInterval(bucket, toIntervalSecond({step:UInt32}))) AS t, sum(events) AS events, ${sumsSql(METRICS)}
FROM ${table} WHERE ${IN_BUCKET_RANGE}
GROUP BY t ORDER BY t`,
    params: { step, from, to },
  };
}

export async function getEngagementTimeline(ch: ClickHouseClient, table: string, from: number, to: number, step: number): Promise<TimelinePoint[]> {
  const q = engagementTimelineQuery(table, from, to, step);
  const found = await rows<Record<string, number>>(ch, q.sql, q.params);
  // Zero-filled, so a quiet interval shows as zero rather than as a line drawn across it.
  const byT = new Map(found.map((row) => [Number(row.t), row]));
  const points: TimelinePoint[] = [];
  for (let t = from; t < to; t += step) {
    const row = byT.get(t);
    points.push({ ts: isoFromUnix(t), events: Number(row?.events ?? 0), ...(Object.fromEntries(METRICS.map((m) => [m, Number(row?.[m] ?? 0)])) as Record<Metric, number>) });
  }
  return points;
}
