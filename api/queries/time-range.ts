// Time for the queries: which rollup serves an interval, a request's from/to as whole buckets
// (refused with the field named when it is no time ClickHouse can hold, empty or too long),
// zero-filling, which buckets are still filling, and the conversions between ClickHouse, unix
// seconds and ISO 8601.
import { ValidationError } from '../../core/errors.js';
import { completeBuckets, type EventTimeState } from '../../analytics/event-time.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';

const DAY = 86400;
/** Unix weeks start on Thursday 1970-01-01; ISO weeks on Monday, four days later. */
export const ISO_WEEK_ORIGIN = 4 * DAY;

/**
 * The rollup behind each interval, its bucket width and the default span (five years of weeks,
 * a weekly import's usual length). Weeks are summed from the daily rollup into ISO weeks
 * (Monday 00:00 UTC), or into weeks that start on another weekday when a weekly series is dated
 * so (see `weeklyOrigin`).
 */
export const INTERVALS = {
  '1m': { table: TABLES.engagement1m, sec: 60, span: 6 * 3600 },
  '1h': { table: TABLES.engagement1h, sec: 3600, span: 7 * DAY },
  '1d': { table: TABLES.engagement1d, sec: DAY, span: 90 * DAY },
  '1w': { table: TABLES.engagement1d, sec: 7 * DAY, span: 260 * 7 * DAY },
} as const;
export type Interval = keyof typeof INTERVALS;
export const INTERVAL_NAMES = Object.keys(INTERVALS) as Interval[];

/** The weekly grid whose weeks start on the weekday of `dayStartSec` (a UTC midnight). */
export const weeklyOrigin = (dayStartSec: number) => ((dayStartSec % (7 * DAY)) + 7 * DAY) % (7 * DAY);

/**
 * The SQL for a rollup row's bucket start on the grid of `sec` seconds from `origin` (unix
 * seconds): the row's own bucket when the grid is the rollup's, else the grid cell it falls in.
 * Both numbers are constants of the code, never from a request.
 */
export function bucketStartSql(interval: Interval, origin = interval === '1w' ? ISO_WEEK_ORIGIN : 0): string {
  const sec = INTERVALS[interval].sec;
  if (interval !== '1w') return 'toUnixTimestamp(bucket)';
  return `intDiv(toUnixTimestamp(bucket) - ${Math.trunc(origin)}, ${sec}) * ${sec} + ${Math.trunc(origin)}`;
}

export const isoFromUnix = (sec: number) => new Date(sec * 1000).toISOString();

/** ClickHouse DateTime64 text ('2026-11-26 12:00:00.000', UTC) to ISO 8601. */
export const isoFromCh = (s: string | null | undefined) => (s ? new Date(s.replace(' ', 'T') + 'Z').toISOString() : null);

/** The times a rollup bucket (ClickHouse DateTime: unsigned 32-bit seconds) can hold. */
export const TIME_BOUNDS = { minMs: 0, maxMs: (2 ** 32 - 1) * 1000 } as const;

/** Why an ISO time parameter is unusable, or null when it is fine (or absent). */
function timeProblem(value: string | undefined): string | null {
  if (value === undefined || value === '') return null;
  const t = Date.parse(value);
  if (!Number.isFinite(t)) return 'must be an ISO 8601 date-time';
  if (t < TIME_BOUNDS.minMs || t > TIME_BOUNDS.maxMs) return `must be between ${new Date(TIME_BOUNDS.minMs).toISOString()} and ${new Date(TIME_BOUNDS.maxMs).toISOString()}`;
  return null;
}

/** Parses an optional ISO time parameter, naming the parameter when it is wrong. */
export function timeParam(value: string | undefined, field: string, fallback: number): number {
  const reason = timeProblem(value);
  if (reason) throw new ValidationError(`invalid ${field}`, [{ field, reason }]);
  return value ? Date.parse(value) : fallback;
}

/** A request's from/to in ms (`to` defaults to now, `from` to `spanSec` before `to`), each wrong one named. */
function timeRange(q: { from?: string; to?: string }, nowMs: number, spanSec: number): { fromMs: number; toMs: number } {
  const details = (['from', 'to'] as const).flatMap((field) => { const reason = timeProblem(q[field]); return reason ? [{ field, reason }] : []; });
  if (details.length) throw new ValidationError('invalid time range', details);
  const toMs = q.to ? Date.parse(q.to) : nowMs;
  return { fromMs: q.from ? Date.parse(q.from) : Math.max(TIME_BOUNDS.minMs, toMs - spanSec * 1000), toMs };
}

/** Most points one time-series answer may have; a longer range needs a coarser interval. */
export const MAX_POINTS = 10_000;

/**
 * A query's from/to (ISO; default: `spanSec` before now) as whole buckets of `sec` seconds,
 * in unix seconds, refusing empty or over-long ranges with the parameter named.
 */
export function bucketRange(q: { from?: string; to?: string }, nowMs: number, sec: number, spanSec: number, origin = 0): { from: number; to: number } {
  const { fromMs, toMs } = timeRange(q, nowMs, spanSec);
  if (fromMs >= toMs) throw new ValidationError('invalid time range', [{ field: 'from', reason: 'must be before to' }]);
  const cell = (ms: number, round: (x: number) => number) => round((ms / 1000 - origin) / sec) * sec + origin;
  const from = Math.max(cell(fromMs, Math.floor), cell(TIME_BOUNDS.minMs, Math.ceil));
  const to = Math.min(cell(toMs, Math.ceil), cell(TIME_BOUNDS.maxMs, Math.floor));
  if ((to - from) / sec > MAX_POINTS) throw new ValidationError('time range too long for this interval', [{ field: 'interval', reason: `at most ${MAX_POINTS} points; use a coarser interval` }]);
  return { from, to };
}

/** Market-wide ranges (regions): hourly buckets up to a few days, whole days beyond. */
export const MARKET_RANGE = {
  /** Ranges longer than this read the daily rollup (whole UTC days) instead of the hourly one. */
  hourlyUpToSec: 3 * 86_400,
  defaultSpanSec: 7 * 86_400,
  maxSpanSec: 366 * 86_400,
};

/** The rollup and whole-bucket range for a market-wide range: hourly for short ranges, daily beyond. */
export function marketRange(q: { from?: string; to?: string }, nowMs: number) {
  const { fromMs, toMs } = timeRange(q, nowMs, MARKET_RANGE.defaultSpanSec);
  if (toMs - fromMs > MARKET_RANGE.maxSpanSec * 1000) throw new ValidationError('time range too long', [{ field: 'from', reason: 'at most 366 days before to' }]);
  const daily = toMs - fromMs > MARKET_RANGE.hourlyUpToSec * 1000;
  const iv = INTERVALS[daily ? '1d' : '1h'];
  return { table: iv.table, ...bucketRange(q, nowMs, iv.sec, MARKET_RANGE.defaultSpanSec) };
}

/** A point of a time series: its bucket start, value, and whether the bucket is still filling. */
export interface SeriesPoint { ts: string; value: number; partial: boolean }

/**
 * Zero-filled values per bucket of [from, to) as points, the buckets that can still receive
 * on-time events (analytics/event-time.ts) marked `partial`.
 */
export function seriesPoints(values: readonly number[], from: number, sec: number, time: EventTimeState): SeriesPoint[] {
  const complete = completeBuckets(from * 1000, sec * 1000, values.length, time.watermarkMs, time.allowedLatenessMs);
  return values.map((value, i) => ({ ts: isoFromUnix(from + i * sec), value, partial: i >= complete }));
}

/** Zero-filled values per bucket of [from, to), from rows keyed by bucket start `t` (seconds). */
export function zeroFilled<R extends { t: number }>(found: R[], from: number, to: number, sec: number, value: (r: R) => number): number[] {
  const out = new Array<number>((to - from) / sec).fill(0);
  for (const r of found) {
    const i = (Number(r.t) - from) / sec;
    if (i >= 0 && i < out.length) out[i] = value(r);
  }
  return out;
}
