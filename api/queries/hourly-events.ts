// Events and orders per hour over all products since a moment, from the hourly rollup's `by_time`
// projection (a row per hour, not per product): the overview reads them once and takes from
// them its events and orders KPIs (24 h and the 24 h before) and the hours its kept views per
// category and timeline steps are labelled by (list-category-stats.ts,
// get-engagement-timeline.ts), instead of one query each.
import type { ClickHouseClient } from '@clickhouse/client';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { rows, type BoundQuery } from './sql.js';

/** A count by hour start (unix seconds), in hour order. */
export type HourlyEvents = ReadonlyMap<number, number>;
export interface HourlyTotals { events: HourlyEvents; orders: HourlyEvents }

/** Events and orders per hour since `from` (unix seconds), every later hour included. */
export const hourlyEventsQuery = (from: number): BoundQuery => ({
  sql: `SELECT groupArray(h) AS hours, groupArray(n) AS events, groupArray(o) AS orders FROM (SELECT toUnixTimestamp(bucket) AS h, sum(events) AS n, sum(orders) AS o FROM ${TABLES.engagement1h} WHERE bucket >= toDateTime({from:UInt32}) GROUP BY h ORDER BY h)`,
  params: { from },
});

export async function readHourlyTotals(ch: ClickHouseClient, from: number): Promise<HourlyTotals> {
  const q = hourlyEventsQuery(from);
  const [found] = await rows<{ hours: number[]; events: (number | string)[]; orders: (number | string)[] }>(ch, q.sql, q.params);
  const byHour = (counts: (number | string)[]) => new Map(found.hours.map((h, i) => [Number(h), Number(counts[i])]));
  return { events: byHour(found.events), orders: byHour(found.orders) };
}

export const readHourlyEvents = async (ch: ClickHouseClient, from: number): Promise<HourlyEvents> => (await readHourlyTotals(ch, from)).events;

/** The hours of `hours` at or after `from` and before `to` (unix seconds). */
export function hoursIn(hours: HourlyEvents, from: number, to = Infinity): Map<number, number> {
  return new Map([...hours].filter(([h]) => h >= from && h < to));
}

/** The count over the hours at or after `from` and before `to`. */
export const totalIn = (hours: HourlyEvents, from: number, to = Infinity) => [...hoursIn(hours, from, to).values()].reduce((a, b) => a + b, 0);
