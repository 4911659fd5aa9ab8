// The explorer: products with their latest metadata and score, filtered, sorted and paged by
// keyset cursor. Each filter, sort and the cursor's condition is defined once here, as SQL and as
// the same test on a row: the product index (api/product-index.ts) answers with the tests, the
// SQL answers while the index loads (and is what the index is checked against).
import type { ClickHouseClient } from '@clickhouse/client';
import { ValidationError } from '../../core/errors.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { STAGES, type Stage } from '../../analytics/lifecycle.js';
import { LIST_LIMIT, type ListQuery, type ProductPage, type SortKey } from '../schemas/products.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { latestProductsSql, latestScoresSql, rows, type BoundQuery } from './sql.js';
import { isoFromCh } from './time-range.js';

export type ListProductsParams = ListQuery;

/** One product as the explorer filters and sorts it: nulls of the joins made explicit, as in the SQL below. */
export interface ListRow {
  productId: string; title: string; category: string; brand: string; price: number | null; priceOrZero: number; currency: string; imageUrl: string; tags: string[]; updatedAt: string;
  score: number; label: string; velocity: number; acceleration: number; views24h: number; orders24h: number; stage: string; stageRank: number; peakAt: string | null;
}

// Stages sort in lifecycle order (emerging first; products without a stage yet last when ascending).
const NO_STAGE_RANK = STAGES.length + 1;
export const stageRank = (stage: string) => (stage === '' ? NO_STAGE_RANK : (STAGES as readonly string[]).indexOf(stage) + 1);
const STAGE_RANK_SQL = `if(stage = '', ${NO_STAGE_RANK}, indexOf([${STAGES.map((x) => `'${x}'`).join(', ')}], stage))`;

/** The row's columns each sort orders by. */
const SORT_COLUMN = { score: 'score', velocity: 'velocity', views: 'views24h', title: 'title', price: 'priceOrZero', stage: 'stageRank' } as const satisfies Record<SortKey, keyof ListRow>;

/** What the explorer reads of each source: the latest metadata, score and lifecycle stage of views. */
export const LIST_PRODUCT_COLUMNS = ['title', 'category', 'brand', 'price', 'currency', 'imageUrl', 'tags'] as const;
export const LIST_SCORE_COLUMNS = ['score', 'label', 'velocity', 'acceleration', 'views24h', 'orders24h'] as const;
export const latestLifecycleSql = (where = '') => `SELECT productId, stage, peakAt FROM ${TABLES.productLifecycle} FINAL WHERE metric = 'views' ${where ? `AND ${where}` : ''}`;

// One row per product: latest metadata joined with the latest score, with nulls made explicit
// (listRowOf does the same join on one product's parts).
const LIST_BASE = `
SELECT p.productId AS productId, p.title AS title, p.category AS category, p.brand AS brand, p.price AS price, ifNull(p.price, 0) AS priceOrZero,
  p.currency AS currency, p.imageUrl AS imageUrl, p.tags AS tags, p.lastUpdate AS updatedAt,
  ifNull(s.score, 0) AS score, ifNull(s.label, '') AS label, ifNull(s.velocity, 0) AS velocity, ifNull(s.acceleration, 0) AS acceleration,
  ifNull(s.views24h, 0) AS views24h, ifNull(s.orders24h, 0) AS orders24h,
  ifNull(lc.stage, '') AS stage, ${STAGE_RANK_SQL} AS stageRank, lc.peakAt AS peakAt
FROM (${latestProductsSql(LIST_PRODUCT_COLUMNS, '', { lastUpdate: true })}) AS p
LEFT JOIN (${latestScoresSql({ columns: LIST_SCORE_COLUMNS })}) AS s USING productId
LEFT JOIN (${latestLifecycleSql()}) AS lc USING productId`;

/** A product's metadata, score and stage as the sources' rows hold them (numbers parsed). */
export interface ProductMeta { productId: string; title: string; category: string; brand: string; price: number | null; currency: string; imageUrl: string; tags: string[]; lastUpdate: string }
export interface ProductScore { productId: string; score: number; label: string; velocity: number; acceleration: number; views24h: number; orders24h: number }
export interface ProductStage { productId: string; stage: string; peakAt: string | null }

/** LIST_BASE's row for one product from its parts. */
export function listRowOf(p: ProductMeta, s: ProductScore | null, lc: ProductStage | null): ListRow {
  const stage = lc?.stage ?? '';
  return {
    productId: p.productId, title: p.title, category: p.category, brand: p.brand, price: p.price, priceOrZero: p.price ?? 0, currency: p.currency, imageUrl: p.imageUrl, tags: p.tags, updatedAt: p.lastUpdate,
    score: s?.score ?? 0, label: s?.label ?? '', velocity: s?.velocity ?? 0, acceleration: s?.acceleration ?? 0, views24h: s?.views24h ?? 0, orders24h: s?.orders24h ?? 0,
    stage, stageRank: stageRank(stage), peakAt: lc?.peakAt ?? null,
  };
}

/**
 * Strings in ClickHouse's order: bytes of UTF-8, which is code point order. JavaScript compares
 * UTF-16 units, which agrees except where a surrogate (half of a code point above U+FFFF) meets
 * U+E000–U+FFFF.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) return a.length < b.length ? -1 : 1;
  const x = a.charCodeAt(i), y = b.charCodeAt(i);
  const sx = x >= 0xd800 && x <= 0xdfff, sy = y >= 0xd800 && y <= 0xdfff;
  if (sx !== sy && (sx ? y : x) >= 0xe000) return sx ? 1 : -1;
  return x < y ? -1 : 1;
}
const compareValues = (a: string | number, b: string | number) => (typeof a === 'string' || typeof b === 'string' ? compareStrings(String(a), String(b)) : a < b ? -1 : a > b ? 1 : 0);

/** One filter: its SQL condition (parameters bound) and the same condition on a row. */
interface Filter { sql: string; params: Record<string, unknown>; test: (r: ListRow) => boolean }

// ClickHouse's lower() changes ASCII letters only; positionCaseInsensitiveUTF8 folds case throughout.
const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

const FIELD_FILTERS = [
  ['category', 'category', '=', 'String'], ['label', 'label', '=', 'String'], ['stage', 'stage', '=', 'String'],
  ['minScore', 'score', '>=', 'Float64'], ['maxScore', 'score', '<=', 'Float64'],
  ['minPrice', 'price', '>=', 'Float64'], ['maxPrice', 'price', '<=', 'Float64'],
] as const satisfies readonly (readonly [keyof ListQuery, keyof ListRow, '=' | '>=' | '<=', string])[];

/** The explorer's filters, but the engagement ones (activeProductsQuery). */
function listFilters(q: ListProductsParams): Filter[] {
  const filters: Filter[] = [];
  if (q.q) {
    const needle = q.q.toLowerCase(), tag = asciiLower(q.q);
    filters.push({
      sql: '(positionCaseInsensitiveUTF8(title, {q:String}) > 0 OR positionCaseInsensitiveUTF8(brand, {q:String}) > 0 OR has(tags, lower({q:String})))', params: { q: q.q },
      test: (r) => r.title.toLowerCase().includes(needle) || r.brand.toLowerCase().includes(needle) || r.tags.includes(tag),
    });
  }
  for (const [param, col, op, type] of FIELD_FILTERS) {
    const v = q[param];
    if (v === undefined) continue;
    filters.push({
      sql: `${col} ${op} {${param}:${type}}`, params: { [param]: v },
      // A null (a product without a price) passes no comparison, as in SQL.
      test: (r) => { const x = r[col]; return x !== null && (op === '=' ? x === v : op === '>=' ? x >= v : x <= v); },
    });
  }
  return filters;
}

/** Products with engagement in the region and/or platform in the 7 days before `nowMs`; null when neither is asked. */
export function activeProductsQuery(q: ListProductsParams, nowMs: number): BoundQuery | null {
  if (!q.region && !q.platform) return null;
  const dims = [q.region ? 'region = {region:String}' : '', q.platform ? 'platform = {platform:String}' : ''].filter(Boolean).join(' AND ');
  return {
    sql: `SELECT DISTINCT productId FROM ${TABLES.engagement1h} WHERE ${dims} AND bucket >= toDateTime({activeSince:UInt32})`,
    params: { ...(q.region ? { region: q.region } : {}), ...(q.platform ? { platform: q.platform } : {}), activeSince: Math.floor(nowMs / 1000) - 7 * 86400 },
  };
}

/** A request's filters, order and page: the same for the SQL and for the index. */
export interface ListPlan { filters: Filter[]; active: BoundQuery | null; col: keyof ListRow; desc: boolean; after: readonly [string | number, string] | null; limit: number }

export function listPlan(q: ListProductsParams, nowMs: number): ListPlan {
  if (q.minScore !== undefined && q.maxScore !== undefined && q.minScore > q.maxScore) throw new ValidationError('invalid score range', [{ field: 'minScore', reason: 'must not exceed maxScore' }]);
  const sort = q.sort ?? '-score';
  const key = sort.replace(/^-/, '') as SortKey;
  const after = decodeCursor(q.cursor, [key === 'title' ? 'string' : 'number', 'string']);
  return { filters: listFilters(q), active: activeProductsQuery(q, nowMs), col: SORT_COLUMN[key], desc: sort.startsWith('-'), after, limit: q.limit ?? LIST_LIMIT.default };
}

/** The page's order on rows: the sort column, then the id ascending (ties broken). */
export function rowOrder(p: Pick<ListPlan, 'col' | 'desc'>): (a: ListRow, b: ListRow) => number {
  const sign = p.desc ? -1 : 1;
  return (a, b) => sign * compareValues(a[p.col] as string | number, b[p.col] as string | number) || compareStrings(a.productId, b.productId);
}

/** Keyset pagination: whether a row comes strictly after the cursor's. */
export function afterCursor(p: ListPlan): ((r: ListRow) => boolean) | null {
  if (!p.after) return null;
  const order = rowOrder(p);
  const last = { [p.col]: p.after[0], productId: p.after[1] } as unknown as ListRow;
  return (r) => order(r, last) > 0;
}

/**
 * The explorer's SQL for one request (one row more than the page, to tell whether another
 * follows). Exported so that `trenddrop bench` times exactly this SQL run directly.
 */
export function listProductsQuery(q: ListProductsParams, nowMs: number): BoundQuery & ListPlan {
  const plan = listPlan(q, nowMs);
  const where = plan.filters.map((f) => f.sql);
  const params: Record<string, unknown> = Object.assign({}, ...plan.filters.map((f) => f.params));
  if (plan.active) { where.push(`productId IN (${plan.active.sql})`); Object.assign(params, plan.active.params); }
  if (plan.after) {
    const type = plan.col === 'title' ? 'String' : 'Float64';
    where.push(`(${plan.col} ${plan.desc ? '<' : '>'} {cv:${type}} OR (${plan.col} = {cv:${type}} AND productId > {cid:String}))`);
    [params.cv, params.cid] = plan.after;
  }
  const sql = `SELECT * FROM (${LIST_BASE}) ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
    ORDER BY ${plan.col} ${plan.desc ? 'DESC' : 'ASC'}, productId ASC LIMIT {limit:UInt32} SETTINGS join_use_nulls = 1`;
  return { sql, params: { ...params, limit: plan.limit + 1 }, ...plan };
}

/** Numbers as numbers: ClickHouse's JSON quotes 64-bit integers. */
export const listRow = (r: ListRow): ListRow => ({
  ...r, score: Number(r.score), velocity: Number(r.velocity), acceleration: Number(r.acceleration), views24h: Number(r.views24h), orders24h: Number(r.orders24h),
  price: r.price === null ? null : Number(r.price), priceOrZero: Number(r.priceOrZero), stageRank: Number(r.stageRank),
});

/** A page from the rows found (one more than the page when another follows). */
export function productPage(found: readonly ListRow[], p: Pick<ListPlan, 'col' | 'limit'>): ProductPage {
  const page = found.slice(0, p.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(({ priceOrZero: _p, stageRank: _r, ...r }) => ({
      ...r, title: r.title || r.productId, brand: r.brand || null, currency: r.currency || null, imageUrl: r.imageUrl || null,
      label: r.label || null, stage: (r.stage || null) as Stage | null, peakAt: r.peakAt ? isoFromCh(r.peakAt) : null, updatedAt: Number(new Date(r.updatedAt + 'Z')) > 0 ? isoFromCh(r.updatedAt) : null,
    })),
    nextCursor: found.length > p.limit && last ? encodeCursor([last[p.col], last.productId]) : null,
  };
}

/** What answers the explorer from memory: the product index (api/product-index.ts, which builds on this file). */
export interface ProductLister { list(q: ListProductsParams, nowMs: number): Promise<ProductPage> }

/** The explorer's page: from the product index once it is loaded, from SQL before. */
export async function listProducts(d: { ch: ClickHouseClient; productIndex: ProductLister | null }, nowMs: number, q: ListProductsParams): Promise<ProductPage> {
  if (d.productIndex) return d.productIndex.list(q, nowMs);
  const query = listProductsQuery(q, nowMs);
  return productPage((await rows<ListRow>(d.ch, query.sql, query.params)).map(listRow), query);
}
