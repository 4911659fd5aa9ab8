// Events per hour over all products since a moment, from the hourly rollup's `by_time`
// projection (a row per hour, not per product): the overview reads them once and takes from
// them both its events KPIs (24 h and the 24 h before) and the hours its kept views per category
// are labelled by (list-category-stats.ts), instead of one query each.
import type { ClickHouseClient } from '@clickhouse/client';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { rows, type BoundQuery } from './sql.js';

/** Events by hour start (unix seconds), in hour order. */
export type HourlyEvents = ReadonlyMap<number, number>;

/** Events per hour since `from` (unix seconds), every later hour included. */
export const hourlyEventsQuery = (from: number): BoundQuery => ({
  sql: `SELECT groupArray(h) AS hours, groupArray(n) AS events FROM (SELECT toUnixTimestamp(bucket) AS h, sum(events) AS n FROM ${TABLES.engagement1h} WHERE bucket >= toDateTime({from:UInt32}) GROUP BY h ORDER BY h)`,
  params: { from },
});

export async function readHourlyEvents(ch: ClickHouseClient, from: number): Promise<HourlyEvents> {
  const q = hourlyEventsQuery(from);
  const [found] = await rows<{ hours: number[]; events: (number | string)[] }>(ch, q.sql, q.params);
  return new Map(found.hours.map((h, i) => [Number(h), Number(found.events[i])]));
}

/** The hours of `hours` at or after `from` and before `to` (unix seconds). */
export function hoursIn(hours: HourlyEvents, from: number, to = Infinity): Map<number, number> {
  return new Map([...hours].filter(([h]) => h >= from && h < to));
}

/** Events in the hours at or after `from` and before `to`. */
export const eventsIn = (hours: HourlyEvents, from: number, to = Infinity) => [...hoursIn(hours, from, to).values()].reduce((a, b) => a + b, 0);
