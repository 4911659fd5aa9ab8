// Products: the explorer list (filters, sort, cursor pagination), one product with its latest
// score components and 24-hour totals, and its engagement time series from the rollups.
import type { FastifyPluginAsync } from 'fastify';
import { eq } from 'drizzle-orm';
import Type from 'typebox';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { METRICS, PLATFORMS } from '../../schemas/events.js';
import { products } from '../../schemas/postgres/schema.js';
import { insight, summarizeSeries, type SeriesPoint } from '../../ingest/agent/analysis.js';
import { rows, type ApiContext, type Services } from '../context.js';
import { bucketRange, decodeCursor, encodeCursor, isoFromCh, isoFromUnix, sendCached } from './shared.js';

export const LIST_LIMIT = { default: 50, max: 500 } as const;
const SORTS = ['score', 'velocity', 'views', 'title', 'price'] as const;
const SORT_COLUMN: Record<(typeof SORTS)[number], string> = { score: 'score', velocity: 'velocity', views: 'views24h', title: 'title', price: 'priceOrZero' };
const LABELS = ['emerging', 'rising', 'peaking', 'declining', 'steady'] as const;

export const ListQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Text in title, brand or tags' })),
  category: Type.Optional(Type.String({ maxLength: 100 })),
  region: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$', description: 'Only products with engagement in this region in the last 7 days' })),
  platform: Type.Optional(Type.Enum(PLATFORMS)),
  label: Type.Optional(Type.Enum(LABELS)),
  minScore: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  maxScore: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  minPrice: Type.Optional(Type.Number({ minimum: 0 })),
  maxPrice: Type.Optional(Type.Number({ minimum: 0 })),
  sort: Type.Optional(Type.Enum(SORTS.flatMap((s) => [s, `-${s}` as const]), { default: '-score', description: "Field to sort by; a leading '-' sorts descending" })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIST_LIMIT.max, default: LIST_LIMIT.default })),
  cursor: Type.Optional(Type.String({ maxLength: 1000, description: 'nextCursor of the previous page' })),
});
export type ListQuery = Type.Static<typeof ListQuery>;

export const INTERVALS = { '1m': { table: 'engagement_1m', sec: 60, span: 6 * 3600 }, '1h': { table: 'engagement_1h', sec: 3600, span: 7 * 86400 }, '1d': { table: 'engagement_1d', sec: 86400, span: 90 * 86400 } } as const;
const SeriesQuery = Type.Object({
  metric: Type.Optional(Type.Enum([...METRICS, 'events'] as const, { default: 'views' })),
  interval: Type.Optional(Type.Enum(['1m', '1h', '1d'] as const, { default: '1h' })),
  from: Type.Optional(Type.String({ description: 'ISO 8601; default: 6 h, 7 d or 90 d before `to` for 1m, 1h, 1d' })),
  to: Type.Optional(Type.String({ description: 'ISO 8601; default now' })),
});
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

// One row per product: latest metadata joined with the latest score, with nulls made explicit.
const LIST_BASE = `
SELECT p.productId AS productId, p.title AS title, p.category AS category, p.brand AS brand, p.price AS price, ifNull(p.price, 0) AS priceOrZero,
  p.currency AS currency, p.imageUrl AS imageUrl, p.tags AS tags, p.lastUpdate AS updatedAt,
  ifNull(s.score, 0) AS score, ifNull(s.label, '') AS label, ifNull(s.velocity, 0) AS velocity, ifNull(s.acceleration, 0) AS acceleration,
  ifNull(s.views24h, 0) AS views24h, ifNull(s.orders24h, 0) AS orders24h
FROM (SELECT productId, argMax(title, updatedAt) AS title, argMax(category, updatedAt) AS category, argMax(brand, updatedAt) AS brand,
        argMax(price, updatedAt) AS price, argMax(currency, updatedAt) AS currency, argMax(imageUrl, updatedAt) AS imageUrl,
        argMax(tags, updatedAt) AS tags, max(updatedAt) AS lastUpdate
      FROM products GROUP BY productId) AS p
LEFT JOIN (SELECT productId, argMax(score, computedAt) AS score, argMax(label, computedAt) AS label, argMax(velocity, computedAt) AS velocity,
        argMax(acceleration, computedAt) AS acceleration, argMax(views24h, computedAt) AS views24h, argMax(orders24h, computedAt) AS orders24h
      FROM trend_scores GROUP BY productId) AS s USING productId`;

interface ListRow { productId: string; title: string; category: string; brand: string; price: number | null; currency: string; imageUrl: string; tags: string[]; updatedAt: string; score: number; label: string; velocity: number; acceleration: number; views24h: number; orders24h: number }

/** Builds the WHERE clause and its parameters from the explorer filters. */
export function listFilters(q: ListQuery, nowMs: number): { where: string[]; params: Record<string, unknown> } {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (q.q) { where.push('(positionCaseInsensitiveUTF8(title, {q:String}) > 0 OR positionCaseInsensitiveUTF8(brand, {q:String}) > 0 OR has(tags, lower({q:String})))'); params.q = q.q; }
  if (q.category) { where.push('category = {category:String}'); params.category = q.category; }
  if (q.label) { where.push('label = {label:String}'); params.label = q.label; }
  if (q.minScore !== undefined) { where.push('score >= {minScore:Float64}'); params.minScore = q.minScore; }
  if (q.maxScore !== undefined) { where.push('score <= {maxScore:Float64}'); params.maxScore = q.maxScore; }
  if (q.minPrice !== undefined) { where.push('price >= {minPrice:Float64}'); params.minPrice = q.minPrice; }
  if (q.maxPrice !== undefined) { where.push('price <= {maxPrice:Float64}'); params.maxPrice = q.maxPrice; }
  if (q.region || q.platform) {
    const dims = [q.region ? 'region = {region:String}' : '', q.platform ? 'platform = {platform:String}' : ''].filter(Boolean).join(' AND ');
    where.push(`productId IN (SELECT productId FROM engagement_1h WHERE ${dims} AND bucket >= toDateTime({activeSince:UInt32}))`);
    Object.assign(params, q.region ? { region: q.region } : {}, q.platform ? { platform: q.platform } : {}, { activeSince: Math.floor(nowMs / 1000) - 7 * 86400 });
  }
  return { where, params };
}

/**
 * The explorer's SQL for one request (one row more than the page, to tell whether another
 * follows), the sort column and the page size. Exported so that `trenddrop bench` times exactly
 * this SQL run directly beside the endpoint.
 */
export function listQuery(q: ListQuery, nowMs: number) {
  if (q.minScore !== undefined && q.maxScore !== undefined && q.minScore > q.maxScore) throw new ValidationError('invalid score range', [{ field: 'minScore', reason: 'must not exceed maxScore' }]);
  const sort = q.sort ?? '-score';
  const desc = sort.startsWith('-');
  const key = sort.replace(/^-/, '') as (typeof SORTS)[number];
  const col = SORT_COLUMN[key];
  const limit = q.limit ?? LIST_LIMIT.default;
  const { where, params } = listFilters(q, nowMs);
  const cursor = decodeCursor(q.cursor, 2);
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

export async function listProducts(s: Services, q: ListQuery) {
  const { sql, params, col, limit } = listQuery(q, s.clock.now());
  const found = await rows<ListRow & { priceOrZero: number }>(s.ch, sql, params);
  const page = found.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(({ priceOrZero: _p, ...r }) => ({
      ...r, title: r.title || r.productId, brand: r.brand || null, currency: r.currency || null, imageUrl: r.imageUrl || null,
      label: r.label || null, score: Number(r.score), velocity: Number(r.velocity), acceleration: Number(r.acceleration),
      views24h: Number(r.views24h), orders24h: Number(r.orders24h), updatedAt: Number(new Date(r.updatedAt + 'Z')) > 0 ? isoFromCh(r.updatedAt) : null,
    })),
    nextCursor: found.length > limit && last ? encodeCursor([last[col as keyof ListRow], last.productId]) : null,
  };
}

const SCORE_SQL = `
SELECT argMax(score, computedAt) AS score, argMax(label, computedAt) AS label, argMax(velocity, computedAt) AS velocity, argMax(acceleration, computedAt) AS acceleration,
  argMax(c_velocity, computedAt) AS c_velocity, argMax(c_acceleration, computedAt) AS c_acceleration, argMax(c_volume, computedAt) AS c_volume,
  argMax(c_breadth, computedAt) AS c_breadth, argMax(c_conversion, computedAt) AS c_conversion, argMax(c_saturation, computedAt) AS c_saturation,
  max(computedAt) AS scoredAt, count() AS n
FROM trend_scores WHERE productId = {id:String}`;
const TOTALS_SQL = `
SELECT sum(events) AS events, ${METRICS.map((m) => `sum(${m}) AS ${m}`).join(', ')}
FROM engagement_1m WHERE productId = {id:String} AND bucket >= toDateTime({since:UInt32})`;
// Hourly engagement by platform and region over two weeks: the input of the plain-language insight.
const INSIGHT_SQL = `
SELECT toUnixTimestamp(bucket) AS t, platform, region, ${METRICS.map((m) => `sum(${m}) AS ${m}`).join(', ')}
FROM engagement_1h WHERE productId = {id:String} AND bucket >= toDateTime({since:UInt32})
GROUP BY t, platform, region`;
const INSIGHT_DAYS = 14;
const DIM_SQL = `SELECT argMax(title, updatedAt) AS title, argMax(category, updatedAt) AS category, count() AS n FROM products WHERE productId = {id:String}`;

export async function productDetail(s: Services, id: string) {
  const now = s.clock.now();
  const since = Math.floor(now / 1000) - 86400;
  const [[meta], [score], [totals], [dim], hourly] = await Promise.all([
    s.db.select().from(products).where(eq(products.productId, id)).limit(1),
    rows<Record<string, number | string>>(s.ch, SCORE_SQL, { id }),
    rows<Record<string, number>>(s.ch, TOTALS_SQL, { id, since }),
    rows<{ title: string; category: string; n: number }>(s.ch, DIM_SQL, { id }),
    rows<Record<string, number | string>>(s.ch, INSIGHT_SQL, { id, since: Math.floor(now / 1000) - INSIGHT_DAYS * 86400 }),
  ]);
  const points: SeriesPoint[] = hourly.map((r) => ({ ts: Number(r.t) * 1000, platform: String(r.platform), region: String(r.region), ...Object.fromEntries(METRICS.map((m) => [m, Number(r[m])])) }));
  if (!meta && Number(dim?.n ?? 0) === 0) throw new NotFoundError('product', id);
  const num = (v: unknown) => Number(v ?? 0);
  return {
    productId: id,
    title: meta?.title ?? dim.title ?? id,
    category: meta?.category ?? dim.category ?? 'Uncategorized',
    brand: meta?.brand ?? null, price: meta?.price ?? null, currency: meta?.currency ?? null, imageUrl: meta?.imageUrl ?? null,
    sourceUrl: meta?.sourceUrl ?? null, source: meta ? meta.source : 'events', tags: meta?.tags ?? [],
    insight: points.length ? insight(summarizeSeries(points, { now })) : null,
    createdAt: meta?.createdAt.toISOString() ?? null, updatedAt: meta?.updatedAt.toISOString() ?? null,
    trend: Number(score?.n ?? 0) === 0 ? null : {
      score: num(score.score), label: String(score.label), velocity: num(score.velocity), acceleration: num(score.acceleration),
      components: { velocity: num(score.c_velocity), acceleration: num(score.c_acceleration), volume: num(score.c_volume), breadth: num(score.c_breadth), conversion: num(score.c_conversion), saturation: num(score.c_saturation) },
      computedAt: isoFromCh(String(score.scoredAt)),
    },
    totals24h: Object.fromEntries(['events', ...METRICS].map((m) => [m, num(totals?.[m])])),
  };
}

export async function timeseries(s: Services, id: string, q: Type.Static<typeof SeriesQuery>) {
  const metric = q.metric ?? 'views';
  const interval = (q.interval ?? '1h') as keyof typeof INTERVALS;
  const iv = INTERVALS[interval];
  const { from, to } = bucketRange(q, s.clock.now(), iv.sec, iv.span);
  const found = await rows<{ t: number; value: number }>(s.ch, `
    SELECT toUnixTimestamp(bucket) AS t, sum(${metric}) AS value FROM ${iv.table}
    WHERE productId = {id:String} AND bucket >= toDateTime({from:UInt32}) AND bucket < toDateTime({to:UInt32})
    GROUP BY t ORDER BY t`, { id, from, to });
  const byT = new Map(found.map((r) => [Number(r.t), Number(r.value)]));
  const points = [];
  for (let t = from; t < to; t += iv.sec) points.push({ ts: isoFromUnix(t), value: byT.get(t) ?? 0 });
  return { productId: id, metric, interval, points };
}

export const productRoutes = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  app.get('/products', {
    schema: { tags: ['products'], summary: `Products with their latest trend score; filters, sort, cursor pagination (limit ≤ ${LIST_LIMIT.max})`, querystring: ListQuery },
  }, async (req, reply) => {
    const q = req.query as ListQuery;
    return sendCached(ctx, req, reply, `products:${JSON.stringify(q)}`, () => listProducts(ctx.services!, q));
  });
  app.get('/products/:id', { schema: { tags: ['products'], summary: 'One product: metadata, latest score with its components, 24 h totals', params: IdParams } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    return sendCached(ctx, req, reply, `product:${id}`, () => productDetail(ctx.services!, id));
  });
  app.get('/products/:id/timeseries', { schema: { tags: ['products'], summary: 'Engagement of one product per interval, zero-filled', params: IdParams, querystring: SeriesQuery } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const q = req.query as Type.Static<typeof SeriesQuery>;
    return sendCached(ctx, req, reply, `ts:${id}:${JSON.stringify(q)}`, () => timeseries(ctx.services!, id, q));
  });
};
