// Time for the queries: which rollup serves an interval, a request's from/to as whole buckets
// (refused with the field named when it is no time ClickHouse can hold, empty or too long),
// zero-filling, and the conversions between ClickHouse, unix seconds and ISO 8601.
import { ValidationError } from '../../core/errors.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';

export const INTERVALS = {
  '1m': { table: TABLES.engagement1m, sec: 60, span: 6 * 3600 },
  '1h': { table: TABLES.engagement1h, sec: 3600, span: 7 * 86400 },
  '1d': { table: TABLES.engagement1d, sec: 86400, span: 90 * 86400 },
} as const;
export type Interval = keyof typeof INTERVALS;

export const isoFromUnix = (sec: number) => new Date(sec * 1000).toISOString();

/** ClickHouse DateTime64 text ('2026-11-26 12:00:00.000', UTC) to ISO 8601. */
export const isoFromCh = (s: string | null | undefined) => (s ? new Date(s.replace(' ', 'T') + 'Z').toISOString() : null);

/** The times a rollup bucket (ClickHouse DateTime: unsigned 32-bit seconds) can hold. */
export const TIME_BOUNDS = { minMs: 0, maxMs: (2 ** 32 - 1) * 1000 } as const;

/** Parses an optional ISO time parameter, naming the parameter when it is wrong. */
export function timeParam(value: string | undefined, field: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new ValidationError(`invalid ${field}`, [{ field, reason: 'must be an ISO 8601 date-time' }]);
  if (t < TIME_BOUNDS.minMs || t > TIME_BOUNDS.maxMs) {
    throw new ValidationError(`invalid ${field}`, [{ field, reason: `must be between ${new Date(TIME_BOUNDS.minMs).toISOString()} and ${new Date(TIME_BOUNDS.maxMs).toISOString()}` }]);
  }
  return t;
}

/** Most points one time-series answer may have; a longer range needs a coarser interval. */
export const MAX_POINTS = 10_000;

/**
 * A query's from/to (ISO; default: `spanSec` before now) as whole buckets of `sec` seconds,
 * in unix seconds, refusing empty or over-long ranges with the parameter named.
 */
export function bucketRange(q: { from?: string; to?: string }, nowMs: number, sec: number, spanSec: number): { from: number; to: number } {
  const toMs = timeParam(q.to, 'to', nowMs);
  const fromMs = timeParam(q.from, 'from', Math.max(TIME_BOUNDS.minMs, toMs - spanSec * 1000));
  if (fromMs >= toMs) throw new ValidationError('invalid time range', [{ field: 'from', reason: 'must be before to' }]);
  const from = Math.floor(fromMs / 1000 / sec) * sec;
  const to = Math.min(Math.ceil(toMs / 1000 / sec) * sec, Math.floor(TIME_BOUNDS.maxMs / 1000 / sec) * sec);
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
  const toMs = timeParam(q.to, 'to', nowMs);
  const fromMs = timeParam(q.from, 'from', toMs - MARKET_RANGE.defaultSpanSec * 1000);
  if (toMs - fromMs > MARKET_RANGE.maxSpanSec * 1000) throw new ValidationError('time range too long', [{ field: 'from', reason: 'at most 366 days before to' }]);
  const daily = toMs - fromMs > MARKET_RANGE.hourlyUpToSec * 1000;
  const iv = INTERVALS[daily ? '1d' : '1h'];
  return { table: iv.table, ...bucketRange(q, nowMs, iv.sec, MARKET_RANGE.defaultSpanSec) };
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
