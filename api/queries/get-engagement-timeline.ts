// Market-wide engagement per step over [from, to), zero-filled, the still-filling steps marked:
// the overview's timeline. Given the events per hour, steps are kept between requests and only
// those in hours that took events since are read again (see stepsOf).
import type { ClickHouseClient } from '@clickhouse/client';
import { completeBuckets, type EventTimeState } from '../../analytics/event-time.js';
import { METRICS, type Metric } from '../../schemas/events.js';
import type { HourlyEvents } from './hourly-events.js';
import { IN_BUCKET_RANGE, rows, sumsSql, type BoundQuery } from './sql.js';
import { isoFromUnix } from './time-range.js';

export type TimelinePoint = { ts: string; events: number; partial: boolean } & Record<Metric, number>;

type StepRow = Record<string, number>;

export function engagementTimelineQuery(table: string, from: number, to: number, step: number): BoundQuery {
  return {
    sql: `
SELECT toUnixTimestamp(toStartOfInterval(bucket, toIntervalSecond({step:UInt32}))) AS t, sum(events) AS events, ${sumsSql(METRICS)}
FROM ${table} WHERE ${IN_BUCKET_RANGE}
GROUP BY t ORDER BY t`,
    params: { step, from, to },
  };
}

const HOUR = 3600;

/** The first hour a timeline over [from, …) at `step` keeps steps by: events per hour must start there or before. */
export const timelineHoursFrom = (from: number, step: number) => Math.floor(from / Math.max(step, HOUR)) * Math.max(step, HOUR);

/**
 * Per store, table and step: kept cells (an hour, or one step where a step spans hours), each
 * with its steps' rows and the events of its hours when they were read. Every event adds to its
 * minute's and its hour's rows alike (the rollups cascade 1m -> 1h, repairs included), and the
 * rollups only ever gain rows, so a cell whose hours hold the events they held holds the same rows.
 */
const kept = new WeakMap<ClickHouseClient, Map<string, Map<number, { label: string; rows: StepRow[] }>>>();

/**
 * The steps of [from, to) with rows, reading again only the cells whose hours' events changed
 * (one read from the first such cell to the last). The label is taken before the read: rows that
 * land in between are in a cell labelled older than they are, which the next request reads again.
 */
async function stepsOf(ch: ClickHouseClient, table: string, from: number, to: number, step: number, hours: HourlyEvents): Promise<StepRow[]> {
  const cell = Math.max(step, HOUR);
  const label = (c: number) => Array.from({ length: cell / HOUR }, (_, i) => hours.get(c + i * HOUR) ?? 0).join(',');
  let byStore = kept.get(ch);
  if (!byStore) kept.set(ch, (byStore = new Map()));
  const key = `${table}|${step}`;
  let cells = byStore.get(key);
  if (!cells) byStore.set(key, (cells = new Map()));
  const wanted: number[] = [];
  for (let c = timelineHoursFrom(from, step); c < to; c += cell) wanted.push(c);
  const stale = wanted.filter((c) => cells.get(c)?.label !== label(c));
  if (stale.length) {
    const a = stale[0], b = stale[stale.length - 1] + cell;
    const labels = new Map(wanted.filter((c) => c >= a && c < b).map((c) => [c, { label: label(c), rows: [] as StepRow[] }]));
    const q = engagementTimelineQuery(table, a, b, step);
    for (const r of await rows<StepRow>(ch, q.sql, q.params)) labels.get(Math.floor(Number(r.t) / cell) * cell)?.rows.push(r);
    for (const [c, v] of labels) cells.set(c, v);
  }
  for (const c of cells.keys()) if (c < wanted[0] || c >= to) cells.delete(c);
  return wanted.flatMap((c) => cells.get(c)!.rows).filter((r) => Number(r.t) >= from && Number(r.t) < to);
}

/**
 * `hours`: events per hour from timelineHoursFrom(from, step) on, to keep steps by; without them,
 * every step is read. `time` may still be read: the steps are read meanwhile.
 */
export async function getEngagementTimeline(ch: ClickHouseClient, time: EventTimeState | Promise<EventTimeState>, table: string, from: number, to: number, step: number, hours?: Promise<HourlyEvents>): Promise<TimelinePoint[]> {
  const q = engagementTimelineQuery(table, from, to, step);
  const found = hours ? await stepsOf(ch, table, from, to, step, await hours) : await rows<StepRow>(ch, q.sql, q.params);
  const { watermarkMs, allowedLatenessMs } = await time;
  // Zero-filled, so a quiet interval shows as zero rather than as a line drawn across it.
  const byT = new Map(found.map((row) => [Number(row.t), row]));
  const points: TimelinePoint[] = [];
  const complete = completeBuckets(from * 1000, step * 1000, (to - from) / step, watermarkMs, allowedLatenessMs);
  for (let t = from, i = 0; t < to; t += step, i++) {
    const row = byT.get(t);
    points.push({ ts: isoFromUnix(t), events: Number(row?.events ?? 0), ...(Object.fromEntries(METRICS.map((m) => [m, Number(row?.[m] ?? 0)])) as Record<Metric, number>), partial: i >= complete });
  }
  return points;
}
