// The overview's score KPIs one period ago: trending products and the average trend score over
// each product's latest score in the day of history before that moment. That day holds a row per
// product and scored bucket (2.4M rows at 100k hourly products) and is read in full to find each
// product's latest, so its figures are kept per store and recomputed only when a cheap summary of
// the same day (rows and newest computation per bucket, migration 0009's projection) changes:
// a new or re-scored row there, a row merged away, or the window taking in or letting go a bucket.
// The summary itself is read for the two days around the moment's and kept while the history's
// parts that can hold rows there keep their names (parts.ts), so that a request reads the part
// list alone: the live scorer writes past those days, and a merge costs one summary, not the figures.
import type { ClickHouseClient } from '@clickhouse/client';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { keptPerStore } from './kept.js';
import { partsQuery } from './parts.js';
import { latestScoresSql, rows, type BoundQuery } from './sql.js';

const TRENDING = `label IN ('emerging', 'rising')`;
const DAY = 86_400;

const SCORES_SQL = `
SELECT countIf(${TRENDING}) AS trending, if(count() = 0, NULL, avg(score)) AS avgTrendScore
FROM (${latestScoresSql({ table: 'trendScoreHistory', where: 'WHERE computedAt < toDateTime({prev:UInt32}) AND computedAt >= toDateTime({prev:UInt32}) - INTERVAL 1 DAY' })})`;

// Re-scoring a bucket writes a row with a newer scoredAt (wall clock), which stays the bucket's
// newest through merges, so a change that leaves a bucket's row count as it was still shows.
const SUMMARY_SQL = `
SELECT groupArray(c) AS buckets, groupArray(n) AS rows, groupArray(newest) AS newest
FROM (SELECT toUnixTimestamp64Milli(computedAt) AS c, count() AS n, toUnixTimestamp64Milli(max(scoredAt)) AS newest
  FROM ${TABLES.trendScoreHistory} WHERE computedAt >= toDateTime({from:UInt32}) AND computedAt < toDateTime({to:UInt32}) GROUP BY computedAt ORDER BY computedAt)`;

/** `avgTrendScore` is null when no product had a score in that day (a first start's history not yet scored): no average to compare with. */
export interface PreviousScoreKpis { trending: number; avgTrendScore: number | null }

/** The summary's span for `prev` (unix seconds): the day before the moment's and the moment's, which hold its window. */
function span(prev: number) {
  const day = Math.floor(prev / DAY) * DAY;
  return { from: day - DAY, to: day + DAY };
}

export const previousScoresQuery = (prev: number): BoundQuery => ({ sql: SCORES_SQL, params: { prev } });
export const previousScoresSummaryQuery = (prev: number): BoundQuery => ({ sql: SUMMARY_SQL, params: span(prev) });
export const previousScoresPartsQuery = (prev: number): BoundQuery => partsQuery(TABLES.trendScoreHistory, span(prev));

interface Summary { buckets: number[]; rows: number[]; newest: number[] }

/** Per store: summaries by span and the parts they came from, and the figures by the summary of the rows they came from. */
const summaries = keptPerStore<Summary>();
const figures = keptPerStore<PreviousScoreKpis>();

/** The score KPIs over the day of history before `prev` (unix seconds). */
export async function getPreviousScoreKpis(ch: ClickHouseClient, prev: number): Promise<PreviousScoreKpis> {
  // Each key is read before what it labels: nothing is kept under a key older than its rows.
  const p = previousScoresPartsQuery(prev);
  const [{ parts }] = await rows<{ parts: string }>(ch, p.sql, p.params);
  const partsKey = `${span(prev).from}|${parts}`;
  let s = summaries.get(ch, partsKey);
  if (!s) {
    const q = previousScoresSummaryQuery(prev);
    const [found] = await rows<{ buckets: (number | string)[]; rows: (number | string)[]; newest: (number | string)[] }>(ch, q.sql, q.params);
    s = summaries.set(ch, partsKey, { buckets: found.buckets.map(Number), rows: found.rows.map(Number), newest: found.newest.map(Number) });
  }
  // The window's buckets: [prev - 1 day, prev).
  const window: string[] = [];
  for (let i = 0; i < s.buckets.length; i++) if (s.buckets[i] >= (prev - DAY) * 1000 && s.buckets[i] < prev * 1000) window.push(`${s.buckets[i]}:${s.rows[i]}:${s.newest[i]}`);
  const summary = window.join(',');
  const known = figures.get(ch, summary);
  if (known) return known;
  const q = previousScoresQuery(prev);
  const [f] = await rows<{ trending: number | string; avgTrendScore: number | null }>(ch, q.sql, q.params);
  return figures.set(ch, summary, { trending: Number(f.trending), avgTrendScore: f.avgTrendScore === null ? null : Number(f.avgTrendScore) });
}
