// GET overview: KPI cards (with the value one period earlier), the engagement timeline,
// categories, agent status and the top products. Served from the rollups and latest scores.
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { METRICS } from '../../schemas/events.js';
import { rows, type ApiContext, type Services } from '../context.js';
import { isoFromUnix, latestScoresSql, sendCached } from './shared.js';

export const RANGES = { '1h': { ms: 3_600_000, step: 60, table: 'engagement_1m' }, '24h': { ms: 86_400_000, step: 900, table: 'engagement_1m' }, '7d': { ms: 7 * 86_400_000, step: 3600, table: 'engagement_1h' }, '30d': { ms: 30 * 86_400_000, step: 6 * 3600, table: 'engagement_1h' } } as const;
export type Range = keyof typeof RANGES;

const Query = Type.Object({ range: Type.Optional(Type.Enum(['1h', '24h', '7d', '30d'] as const, { default: '24h', description: 'Period of the timeline and of the KPI comparison' })) });

const sums = METRICS.map((m) => `sum(${m}) AS ${m}`).join(', ');
const TRENDING = `label IN ('emerging', 'rising')`;

// Scores "one period ago" come from the history of the day before that moment, so the query
// stays bounded however long the history grows. Events in 24 h are counted by whole hours, each
// window a plain sum over a time range, so the hourly rollup's `by_time` projection answers it.
// Products one period ago are those first seen before it (the daily rollup's `first_seen`
// projection). The score history is read once for both of its figures, by time.
const PREV_HISTORY = 'WHERE computedAt < toDateTime({prev:UInt32}) AND computedAt >= toDateTime({prev:UInt32}) - INTERVAL 1 DAY';
const KPI_SQL = `
SELECT
  (SELECT uniqExact(productId) FROM products) AS products,
  (SELECT countIf(first < toDateTime({prev:UInt32})) FROM (SELECT productId, min(bucket) AS first FROM engagement_1d GROUP BY productId)) AS productsPrev,
  s.trending AS trending, s.avgTrendScore AS avgTrendScore, h.trending AS trendingPrev, h.avgTrendScore AS avgTrendScorePrev,
  (SELECT sum(events) FROM engagement_1h WHERE bucket >= toStartOfHour(toDateTime({day:UInt32}))) AS events24h,
  (SELECT sum(events) FROM engagement_1h WHERE bucket >= toStartOfHour(toDateTime({day2:UInt32})) AND bucket < toStartOfHour(toDateTime({day:UInt32}))) AS events24hPrev
FROM (SELECT countIf(${TRENDING}) AS trending, ifNotFinite(avg(score), 0) AS avgTrendScore FROM (${latestScoresSql('trend_scores')})) AS s
CROSS JOIN (SELECT countIf(${TRENDING}) AS trending, ifNotFinite(avg(score), 0) AS avgTrendScore FROM (${latestScoresSql('trend_score_history', PREV_HISTORY)})) AS h`;

const timelineSql = (table: string) => `
SELECT toUnixTimestamp(toStartOfInterval(bucket, toIntervalSecond({step:UInt32}))) AS t, sum(events) AS events, ${sums}
FROM ${table} WHERE bucket >= toDateTime({from:UInt32}) AND bucket < toDateTime({to:UInt32})
GROUP BY t ORDER BY t`;

const CATEGORIES_SQL = `
SELECT p.category AS category, count() AS products, sum(e.views) AS views, round(ifNotFinite(avg(s.score), 0), 1) AS avgScore
FROM (SELECT productId, argMax(category, updatedAt) AS category FROM products GROUP BY productId) AS p
LEFT JOIN (SELECT productId, sum(views) AS views FROM engagement_1h WHERE bucket >= toDateTime({from:UInt32}) GROUP BY productId) AS e USING productId
LEFT JOIN (${latestScoresSql('trend_scores')}) AS s USING productId
GROUP BY category ORDER BY views DESC, category
SETTINGS join_use_nulls = 1`;

const TOP_SQL = `
SELECT s.productId AS productId, p.title AS title, p.category AS category, p.imageUrl AS imageUrl, s.score AS score, s.label AS label, s.velocity AS velocity
FROM (${latestScoresSql('trend_scores')}) AS s
LEFT JOIN (SELECT productId, argMax(title, updatedAt) AS title, argMax(category, updatedAt) AS category, argMax(imageUrl, updatedAt) AS imageUrl FROM products GROUP BY productId) AS p USING productId
ORDER BY score DESC, productId LIMIT 10`;

const sec = (ms: number) => Math.floor(ms / 1000);
const kpiParams = (now: number, prevMs: number) => ({ prev: sec(prevMs), day: sec(now - 86_400_000), day2: sec(now - 2 * 86_400_000) });

/** A query as the route runs it: SQL text and bound parameters. */
export interface BoundQuery { sql: string; params: Record<string, unknown> }

/**
 * The ClickHouse queries behind the overview at `now`, with the timeline's bounds. Exported so
 * that `trenddrop bench` times exactly this SQL run directly beside the endpoint.
 */
export function overviewQueries(range: Range, now: number) {
  const r = RANGES[range];
  const to = Math.floor(now / 1000 / r.step) * r.step + r.step; // through the current step
  const from = to - Math.round(r.ms / 1000);
  const queries = {
    kpis: { sql: KPI_SQL, params: kpiParams(now, now - r.ms) },
    timeline: { sql: timelineSql(r.table), params: { step: r.step, from, to } },
    categories: { sql: CATEGORIES_SQL, params: { from } },
    top: { sql: TOP_SQL, params: {} },
  } satisfies Record<string, BoundQuery>;
  return { from, to, step: r.step, queries };
}

export async function overviewKpis(s: Services) {
  const now = s.clock.now();
  return kpis(s, { sql: KPI_SQL, params: kpiParams(now, now - RANGES['24h'].ms) });
}

async function kpis(s: Services, q: BoundQuery) {
  const [k] = await rows<Record<string, number>>(s.ch, q.sql, q.params);
  const n = (v: unknown, d = 0) => Math.round(Number(v ?? 0) * 10 ** d) / 10 ** d;
  return {
    products: n(k.products), trending: n(k.trending), avgTrendScore: n(k.avgTrendScore, 1), events24h: n(k.events24h),
    previous: { products: n(k.productsPrev), trending: n(k.trendingPrev), avgTrendScore: n(k.avgTrendScorePrev, 1), events24h: n(k.events24hPrev) },
  };
}

export async function overview(s: Services, range: Range) {
  const now = s.clock.now();
  const { from, to, step, queries: q } = overviewQueries(range, now);
  const [k, timeline, categories, topProducts, agent] = await Promise.all([
    kpis(s, q.kpis),
    rows<Record<string, number>>(s.ch, q.timeline.sql, q.timeline.params),
    rows<{ category: string; products: number; views: number | null; avgScore: number | null }>(s.ch, q.categories.sql, q.categories.params),
    rows<{ productId: string; title: string | null; category: string | null; imageUrl: string | null; score: number; label: string; velocity: number }>(s.ch, q.top.sql, q.top.params),
    s.agentStatus(),
  ]);
  // Zero-filled, so a quiet interval shows as zero rather than as a line drawn across it.
  const byT = new Map(timeline.map((row) => [Number(row.t), row]));
  const points = [];
  for (let t = from; t < to; t += step) {
    const row = byT.get(t);
    points.push({ ts: isoFromUnix(t), events: Number(row?.events ?? 0), ...Object.fromEntries(METRICS.map((m) => [m, Number(row?.[m] ?? 0)])) });
  }
  return {
    range, kpis: k, timeline: points,
    categories: categories.map((c) => ({ category: c.category, products: Number(c.products), views: Number(c.views ?? 0), avgScore: Number(c.avgScore ?? 0) })),
    agent,
    topProducts: topProducts.map((p) => ({ ...p, title: p.title || p.productId, category: p.category || 'Uncategorized', imageUrl: p.imageUrl || null })),
    generatedAt: new Date(now).toISOString(),
  };
}

export const overviewRoutes = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  app.get('/overview', { schema: { tags: ['analytics'], summary: 'KPIs, timeline, categories, agent status, top products', querystring: Query } }, async (req, reply) => {
    const { range = '24h' } = req.query as { range?: Range };
    return sendCached(ctx, req, reply, `overview:${range}`, () => overview(ctx.services!, range));
  });
};
