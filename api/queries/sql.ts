// SQL that the queries share: how a query runs, the latest row of a product or of its score,
// metric sums, weighted engagement and the bucket-range condition. One definition each, so a
// table or a rule changes in one place.
import { ENGAGEMENT_WEIGHTS } from '../../analytics/trend.js';
import { queryRows } from '../../core/stores/clickhouse.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';

/** A query as it runs: SQL text and its bound parameters (never spliced into the text). */
export interface BoundQuery { sql: string; params: Record<string, unknown> }

/** Runs a query and returns its rows (read as the processors read theirs). */
export const rows = queryRows;

export type ProductColumn = 'title' | 'category' | 'brand' | 'price' | 'currency' | 'imageUrl' | 'tags';

/**
 * The latest version of each product's metadata: the ReplacingMergeTree's newest row by
 * `updatedAt`, collapsed at read time (FINAL) where background merges have not yet. FINAL merges
 * the parts in key order in one pass; an argMax per column over a GROUP BY was ~8x slower at
 * 100k products. `lastUpdate` is the time of that version.
 */
export const latestProductsSql = (columns: readonly ProductColumn[], where = '', opts: { lastUpdate?: boolean } = {}) => `
SELECT productId, ${[...columns, ...(opts.lastUpdate ? ['updatedAt AS lastUpdate'] : [])].join(', ')}
FROM ${TABLES.products} FINAL ${where}`;

export type ScoreColumn = 'score' | 'label' | 'velocity' | 'acceleration' | 'momentum' | 'views24h' | 'orders24h'
  | 'c_velocity' | 'c_acceleration' | 'c_volume' | 'c_breadth' | 'c_conversion' | 'c_saturation';
export const SCORE_HEADLINE: readonly ScoreColumn[] = ['score', 'label', 'velocity', 'acceleration'];

/**
 * The latest score per product, with `scoredAt` (the event time of the bucket it covers). The
 * current scores are a ReplacingMergeTree by that time, read with FINAL (see latestProductsSql);
 * the history keeps a row per bucket, so there each product's newest row is taken by argMax.
 */
export const latestScoresSql = (opts: { table?: 'trendScores' | 'trendScoreHistory'; columns?: readonly ScoreColumn[]; where?: string } = {}) => {
  const columns = opts.columns ?? SCORE_HEADLINE;
  return (opts.table ?? 'trendScores') === 'trendScores'
    ? `
SELECT productId, ${columns.join(', ')}, computedAt AS scoredAt
FROM ${TABLES.trendScores} FINAL ${opts.where ?? ''}`
    // Until merges collapse them, a re-scored bucket has a row per computation: the newest wins.
    : `
SELECT productId, ${columns.map((c) => `argMax(${c}, (computedAt, h.scoredAt)) AS ${c}`).join(', ')}, max(computedAt) AS scoredAt
FROM ${TABLES.trendScoreHistory} AS h ${opts.where ?? ''} GROUP BY productId`;
};

/** `sum(m) AS m` for each metric (column names from a whitelist, never from a request). */
export const sumsSql = (metrics: readonly string[]) => metrics.map((m) => `sum(${m}) AS ${m}`).join(', ');

/** Weighted engagement of a rollup row, in SQL: defined beside the weights (analytics/trend.ts). */
export { ENGAGEMENT_SQL } from '../../analytics/trend.js';

/** Rollup buckets in [{from}, {to}), both unix seconds. */
export const IN_BUCKET_RANGE = 'bucket >= toDateTime({from:UInt32}) AND bucket < toDateTime({to:UInt32})';

