// The explorer: products with their latest metadata and score, filtered, sorted and paged by
// keyset cursor.
import type { ClickHouseClient } from '@clickhouse/client';
import { ValidationError } from '../../core/errors.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { STAGES, type Stage } from '../../analytics/lifecycle.js';
import { LIST_LIMIT, type ListQuery, type ProductListItem, type ProductPage, type SortKey } from '../schemas/products.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { latestProductsSql, latestScoresSql, rows, type BoundQuery } from './sql.js';
import { isoFromCh } from './time-range.js';

// Stages sort in lifecycle order (emerging first; products without a stage yet last when ascending).
const SORT_COLUMN: Record<SortKey, string> = { score: 'score', velocity: 'velocity', views: 'views24h', title: 'title', price: 'priceOrZero', stage: 'stageRank' };
export type ListProductsParams = ListQuery;

// One row per product: latest metadata joined with the latest score, with nulls made explicit.
const LIST_BASE = `
SELECT p.productId AS productId, p.title AS title, p.category AS category, p.brand AS brand, p.price AS price, ifNull(p.price, 0) AS priceOrZero,
  p.currency AS currency, p.imageUrl AS imageUrl, p.tags AS tags, p.lastUpdate AS updatedAt,
  ifNull(s.score, 0) AS score, ifNull(s.label, '') AS label, ifNull(s.velocity, 0) AS velocity, ifNull(s.acceleration, 0) AS acceleration,
  ifNull(s.views24h, 0) AS views24h, ifNull(s.orders24h, 0) AS orders24h,
  ifNull(lc.stage, '') AS stage, if(stage = '', ${STAGES.length + 1}, indexOf([${STAGES.map((x) => `'${x}'`).join(', ')}], stage)) AS stageRank, lc.peakAt AS peakAt
FROM (${latestProductsSql(['title', 'category', 'brand', 'price', 'currency', 'imageUrl', 'tags'], '', { lastUpdate: true })}) AS p
LEFT JOIN (${latestScoresSql({ columns: ['score', 'label', 'velocity', 'acceleration', 'views24h', 'orders24h'] })}) AS s USING productId
LEFT JOIN (SELECT productId, stage, peakAt FROM ${TABLES.productLifecycle} FINAL WHERE metric = 'views') AS lc USING productId`;

interface ListRow { productId: string; title: string; category: string; brand: string; price: number | null; priceOrZero: number; currency: string; imageUrl: string; tags: string[]; updatedAt: string; score: number; label: string; velocity: number; acceleration: number; views24h: number; orders24h: number; stage: string; stageRank: number; peakAt: string | null }

/** Builds the WHERE clause and its parameters from the explorer filters. */
function listFilters(q: ListProductsParams, nowMs: number): { where: string[]; params: Record<string, unknown> } {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (q.q) { where.push('(positionCaseInsensitiveUTF8(title, {q:String}) > 0 OR positionCaseInsensitiveUTF8(brand, {q:String}) > 0 OR has(tags, lower({q:String})))'); params.q = q.q; }
  if (q.category) { where.push('category = {category:String}'); params.category = q.category; }
  if (q.label) { where.push('label = {label:String}'); params.label = q.label; }
  if (q.stage) { where.push('stage = {stage:String}'); params.stage = q.stage; }
  if (q.minScore !== undefined) { where.push('score >= {minScore:Float64}'); params.minScore = q.minScore; }
  if (q.maxScore !== undefined) { where.push('score <= {maxScore:Float64}'); params.maxScore = q.maxScore; }
  if (q.minPrice !== undefined) { where.push('price >= {minPrice:Float64}'); params.minPrice = q.minPrice; }
  if (q.maxPrice !== undefined) { where.push('price <= {maxPrice:Float64}'); params.maxPrice = q.maxPrice; }
  if (q.region || q.platform) {
    const dims = [q.region ? 'region = {region:String}' : '', q.platform ? 'platform = {platform:String}' : ''].filter(Boolean).join(' AND ');
    where.push(`productId IN (SELECT productId FROM ${TABLES.engagement1h} WHERE ${dims} AND bucket >= toDateTime({activeSince:UInt32}))`);
    Object.assign(params, q.region ? { region: q.region } : {}, q.platform ? { platform: q.platform } : {}, { activeSince: Math.floor(nowMs / 1000) - 7 * 86400 });
  }
  return { where, params };
}

/**
 * The explorer's SQL for one request (one row more than the page, to tell whether another
 * follows), the sort column and the page size. Exported so that `trenddrop bench` times exactly
 * this SQL run directly beside the endpoint.
 */
export function listProductsQuery(q: ListProductsParams, nowMs: number): BoundQuery & { col: string; limit: number } {
  if (q.minScore !== undefined && q.maxScore !== undefined && q.minScore > q.maxScore) throw new ValidationError('invalid score range', [{ field: 'minScore', reason: 'must not exceed maxScore' }]);
  const sort = q.sort ?? '-score';
  const desc = sort.startsWith('-');
  const key = sort.replace(/^-/, '') as SortKey;
  const col = SORT_COLUMN[key];
  const limit = q.limit ?? LIST_LIMIT.default;
  const { where, params } = listFilters(q, nowMs);
  const cursor = decodeCursor(q.cursor, [key === 'title' ? 'string' : 'number', 'string']);
  if (cursor) {
    // Keyset pagination: strictly after the last row served, with the id breaking ties.
    const type = key === 'title' ? 'String' : 'Float64';
    where.push(`(${col} ${desc ? '<' : '>'} {cv:${type}} OR (${col} = {cv:${type}} AND productId > {cid:String}))`);
    params.cv = cursor[0];
    params.cid = cursor[1];
  }
  const sql = `SELECT * FROM (${LIST_BASE}) ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
    ORDER BY ${col} ${desc ? 'DESC' : 'ASC'}, productId ASC LIMIT {limit:UInt32} SETTINGS join_use_nulls = 1`;
  return { sql, params: { ...params, limit: limit + 1 }, col, limit };
}

export async function listProducts(ch: ClickHouseClient, nowMs: number, q: ListProductsParams): Promise<ProductPage> {
  const { sql, params, col, limit } = listProductsQuery(q, nowMs);
  const found = await rows<ListRow>(ch, sql, params);
  const page = found.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(({ priceOrZero: _p, stageRank: _r, ...r }) => ({
      ...r, title: r.title || r.productId, brand: r.brand || null, currency: r.currency || null, imageUrl: r.imageUrl || null,
      label: r.label || null, score: Number(r.score), velocity: Number(r.velocity), acceleration: Number(r.acceleration),
      views24h: Number(r.views24h), orders24h: Number(r.orders24h), stage: (r.stage || null) as Stage | null, peakAt: r.peakAt ? isoFromCh(r.peakAt) : null, updatedAt: Number(new Date(r.updatedAt + 'Z')) > 0 ? isoFromCh(r.updatedAt) : null,
    })),
    nextCursor: found.length > limit && last ? encodeCursor([last[col as keyof ListRow], last.productId]) : null,
  };
}
