// One product's engagement metric per interval over [from, to), zero-filled, the still-filling
// buckets marked. Without an interval the series comes at the product's native step
// (processors/native-step.ts): hourly for live engagement, daily, weekly (weeks on the series'
// own weekday) or monthly for imported histories, so a weekly point stays one value for its
// week instead of a day followed by six zeros.
import type { ClickHouseClient } from '@clickhouse/client';
import { isStillFilling, type EventTimeState } from '../../analytics/event-time.js';
import { addSteps, bucketStart, STEPS, type StepInfo } from '../../analytics/granularity.js';
import { loadNativeStep } from '../../processors/native-step.js';
import type { Metric } from '../../schemas/events.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { IN_BUCKET_RANGE, rows } from './sql.js';
import { bucketRange, bucketStartSql, INTERVALS, ISO_WEEK_ORIGIN, isoFromUnix, seriesPoints, timeParam, weeklyOrigin, zeroFilled, type Interval, type SeriesPoint } from './time-range.js';

export interface TimeseriesParams { metric?: Metric | 'events'; interval?: Interval; from?: string; to?: string }

const DAY_SEC = 86_400;
/** Default span of a native monthly series: twenty years. */
const MONTHLY_SPAN_MS = 20 * 365.25 * DAY_SEC * 1000;

export async function getProductTimeseries(ch: ClickHouseClient, nowMs: number, time: EventTimeState, id: string, q: TimeseriesParams) {
  const metric = q.metric ?? 'views';
  if (q.interval) return { productId: id, metric, interval: q.interval as Interval | '1mo', native: false, points: await onGrid(ch, nowMs, time, id, metric, q, q.interval, ISO_WEEK_ORIGIN) };
  const step = await loadNativeStep(ch, id);
  const interval = STEPS[step.step].interval as Interval | '1mo';
  const range = step.step === 'hour' || q.from || q.to ? q : { ...q, ...(await historySpan(ch, id, step)) };
  const points = step.step === 'month'
    ? await monthly(ch, nowMs, time, id, metric, range, step)
    : await onGrid(ch, nowMs, time, id, metric, range, interval as Interval, weeklyOrigin(Math.floor(step.anchor / 1000 / DAY_SEC) * DAY_SEC));
  return { productId: id, metric, interval, native: true, points };
}

/**
 * An imported history is shown where it is: by default from its first to its last bucket (the
 * latest ones when that is longer than the step's default span), not up to now.
 */
async function historySpan(ch: ClickHouseClient, id: string, step: StepInfo): Promise<{ from?: string; to?: string }> {
  const [r] = await rows<{ first: number; last: number; n: number }>(ch, `
    SELECT toUnixTimestamp(min(bucket)) AS first, toUnixTimestamp(max(bucket)) AS last, count() AS n FROM ${TABLES.engagement1d} WHERE productId = {id:String}`, { id });
  if (!r || Number(r.n) === 0) return {};
  const last = Number(r.last) * 1000;
  const span = step.step === 'month' ? MONTHLY_SPAN_MS : INTERVALS[STEPS[step.step].interval as Interval].span * 1000;
  return { from: new Date(Math.max(Number(r.first) * 1000, last - span)).toISOString(), to: new Date(addSteps(bucketStart(last, step), 1, step)).toISOString() };
}

/** The metric per bucket of a fixed-width interval (weeks from `origin`). */
async function onGrid(ch: ClickHouseClient, nowMs: number, time: EventTimeState, id: string, metric: string, q: TimeseriesParams, interval: Interval, origin: number): Promise<SeriesPoint[]> {
  const iv = INTERVALS[interval];
  const grid = interval === '1w' ? origin : 0;
  const { from, to } = bucketRange(q, nowMs, iv.sec, iv.span, grid);
  const found = await rows<{ t: number; value: number }>(ch, `
    SELECT ${bucketStartSql(interval, grid)} AS t, sum(${metric}) AS value FROM ${iv.table}
    WHERE productId = {id:String} AND ${IN_BUCKET_RANGE}
    GROUP BY t ORDER BY t`, { id, from, to });
  return seriesPoints(zeroFilled(found, from, to, iv.sec, (r) => Number(r.value)), from, iv.sec, time);
}

/** The metric per calendar month on the series' own grid (a day of the month, or month ends), from the daily rollup. */
async function monthly(ch: ClickHouseClient, nowMs: number, time: EventTimeState, id: string, metric: string, q: TimeseriesParams, step: StepInfo): Promise<SeriesPoint[]> {
  const toMs = timeParam(q.to, 'to', nowMs);
  const first = bucketStart(timeParam(q.from, 'from', Math.max(0, toMs - MONTHLY_SPAN_MS)), step);
  const days = await rows<{ t: number; value: number }>(ch, `
    SELECT toUnixTimestamp(bucket) AS t, sum(${metric}) AS value FROM ${TABLES.engagement1d}
    WHERE productId = {id:String} AND ${IN_BUCKET_RANGE}
    GROUP BY t`, { id, from: Math.floor(first / 1000), to: Math.ceil(toMs / 1000) });
  const sums = new Map<number, number>();
  for (const d of days) {
    const start = bucketStart(Number(d.t) * 1000, step);
    sums.set(start, (sums.get(start) ?? 0) + Number(d.value));
  }
  const points: SeriesPoint[] = [];
  for (let start = first; start < toMs; start = addSteps(start, 1, step)) {
    points.push({ ts: isoFromUnix(start / 1000), value: sums.get(start) ?? 0, partial: isStillFilling(addSteps(start, 1, step), time.watermarkMs, time.allowedLatenessMs) });
  }
  return points;
}
