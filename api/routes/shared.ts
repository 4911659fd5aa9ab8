// Helpers the read routes share: cached JSON with ETags, latest-score SQL, cursors, times.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ValidationError } from '../../core/errors.js';
import type { ApiContext } from '../context.js';

export const isoFromUnix = (sec: number) => new Date(sec * 1000).toISOString();

/** ClickHouse DateTime64 text ('2026-11-26 12:00:00.000', UTC) to ISO 8601. */
export const isoFromCh = (s: string | null | undefined) => (s ? new Date(s.replace(' ', 'T') + 'Z').toISOString() : null);

/** The latest row per product of a score table; works before background merges collapse it. */
export const latestScoresSql = (table: 'trend_scores' | 'trend_score_history', where = '') => `
SELECT productId, argMax(score, computedAt) AS score, argMax(label, computedAt) AS label, argMax(velocity, computedAt) AS velocity,
  argMax(acceleration, computedAt) AS acceleration, max(computedAt) AS scoredAt
FROM ${table} ${where} GROUP BY productId`;

/** Serves a cached JSON body; answers 304 when the client already holds this version. */
export async function sendCached(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply, key: string, compute: () => Promise<unknown>) {
  const { body, etag } = await ctx.cache.get(key, compute);
  reply.header('etag', etag).header('cache-control', 'no-cache');
  if (req.headers['if-none-match'] === etag) return reply.status(304).send();
  return reply.type('application/json; charset=utf-8').send(body);
}

/** Opaque cursors: the sort value and id of the last item served. */
export function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}
export function decodeCursor(cursor: string | undefined, length: number): unknown[] | null {
  if (!cursor) return null;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    if (Array.isArray(v) && v.length === length) return v;
  } catch { /* reported below */ }
  throw new ValidationError('invalid cursor', [{ field: 'cursor', reason: 'is not a cursor this API returned' }]);
}

/** Parses an optional ISO time parameter, naming the parameter when it is wrong. */
export function timeParam(value: string | undefined, field: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new ValidationError(`invalid ${field}`, [{ field, reason: 'must be an ISO 8601 date-time' }]);
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
  const fromMs = timeParam(q.from, 'from', toMs - spanSec * 1000);
  if (fromMs >= toMs) throw new ValidationError('invalid time range', [{ field: 'from', reason: 'must be before to' }]);
  const from = Math.floor(fromMs / 1000 / sec) * sec;
  const to = Math.ceil(toMs / 1000 / sec) * sec;
  if ((to - from) / sec > MAX_POINTS) throw new ValidationError('time range too long for this interval', [{ field: 'interval', reason: `at most ${MAX_POINTS} points; use a coarser interval` }]);
  return { from, to };
}
