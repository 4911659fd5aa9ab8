// The overview's score KPIs one period ago: trending products and the average trend score over
// each product's latest score in the day of history before that moment. That day holds a row per
// product and scored bucket (2.4M rows at 100k hourly products) and is read in full to find each
// product's latest, so its figures are kept per store and recomputed only when a cheap summary of
// the same day (rows and newest computation per bucket, migration 0009's projection) changes:
// a new or re-scored row there, a row merged away, or the window taking in or letting go a bucket.
import type { ClickHouseClient } from '@clickhouse/client';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { latestScoresSql, rows, type BoundQuery } from './sql.js';

const TRENDING = `label IN ('emerging', 'rising')`;
const WINDOW = 'WHERE computedAt < toDateTime({prev:UInt32}) AND computedAt >= toDateTime({prev:UInt32}) - INTERVAL 1 DAY';

const SCORES_SQL = `
SELECT countIf(${TRENDING}) AS trending, ifNotFinite(avg(score), 0) AS avgTrendScore
FROM (${latestScoresSql({ table: 'trendScoreHistory', where: WINDOW })})`;

// Re-scoring a bucket writes a row with a newer scoredAt (wall clock), which stays the bucket's
// newest through merges, so a change that leaves a bucket's row count as it was still shows.
const SUMMARY_SQL = `
SELECT toString(groupArray((toUnixTimestamp64Milli(computedAt), n, toUnixTimestamp64Milli(newest)))) AS summary
FROM (SELECT computedAt, count() AS n, max(scoredAt) AS newest FROM ${TABLES.trendScoreHistory} ${WINDOW} GROUP BY computedAt ORDER BY computedAt)`;

export interface PreviousScoreKpis { trending: number; avgTrendScore: number }

export const previousScoresQuery = (prev: number): BoundQuery => ({ sql: SCORES_SQL, params: { prev } });
export const previousScoresSummaryQuery = (prev: number): BoundQuery => ({ sql: SUMMARY_SQL, params: { prev } });

/** Per store: figures computed, by the summary of the rows they came from (a few: one per overview range in use). */
const computed = new WeakMap<ClickHouseClient, Map<string, PreviousScoreKpis>>();
const KEPT = 8;

/** The score KPIs over the day of history before `prev` (unix seconds). */
export async function getPreviousScoreKpis(ch: ClickHouseClient, prev: number): Promise<PreviousScoreKpis> {
  const s = previousScoresSummaryQuery(prev);
  const [{ summary }] = await rows<{ summary: string }>(ch, s.sql, s.params);
  let kept = computed.get(ch);
  if (!kept) computed.set(ch, (kept = new Map()));
  const known = kept.get(summary);
  if (known) return known;
  const q = previousScoresQuery(prev);
  const [k] = await rows<{ trending: number | string; avgTrendScore: number }>(ch, q.sql, q.params);
  const kpis = { trending: Number(k.trending), avgTrendScore: Number(k.avgTrendScore) };
  if (kept.size >= KEPT) kept.delete(kept.keys().next().value!);
  kept.set(summary, kpis);
  return kpis;
}
