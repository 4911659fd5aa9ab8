// Analytics routes: per-product forecast, similar products, regions and videos; market-wide
// trends, correlations, regions and video analytics; watchlists; CSV export of the explorer.
// Engagement comes from the rollups (engagement_1h/1d, video_engagement_1h), filtered by their
// ordering keys; metadata from Postgres; the math from analytics/.
import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import Type from 'typebox';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { METRICS, PLATFORMS, type Metric } from '../../schemas/events.js';
import { videos, watchlistItems, watchlists } from '../../schemas/postgres/schema.js';
import { regionName } from '../../schemas/validate.js';
import { crossCorrelation, difference } from '../../analytics/correlation.js';
import { buildTextIndex, shapeSimilarity, similarProducts, type TextIndex } from '../../analytics/similarity.js';
import { ENGAGEMENT_WEIGHTS } from '../../analytics/trend.js';
import { FORECAST, Forecaster, type StoredForecast } from '../../processors/forecaster.js';
import { rows, type ApiContext, type Services } from '../context.js';
import { IdParams, INTERVALS, LIST_LIMIT, ListQuery, listProducts } from './products.js';
import { bucketRange, decodeCursor, encodeCursor, isoFromUnix, latestScoresSql, sendCached, timeParam } from './shared.js';

type Interval = keyof typeof INTERVALS;
const IntervalParam = Type.Enum(['1m', '1h', '1d'] as const, { default: '1h' });
const TimeRange = {
  from: Type.Optional(Type.String({ description: 'ISO 8601 start (inclusive)' })),
  to: Type.Optional(Type.String({ description: 'ISO 8601 end (exclusive); default now' })),
};

/** Weighted engagement (analytics/trend.ts) of a rollup row, in SQL. */
const ENGAGEMENT_SQL = Object.entries(ENGAGEMENT_WEIGHTS).map(([m, w]) => `${w} * ${m}`).join(' + ');

const num = (v: unknown) => Number(v ?? 0);
const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

/** [from, to) in seconds, widened to whole buckets of `sec`; `to` defaults to now and `from` to `to − spanSec`. */
const MARKET_RANGE = {
  /** Ranges longer than this read the daily rollup (whole UTC days) instead of the hourly one. */
  hourlyUpToSec: 3 * 86_400,
  defaultSpanSec: 7 * 86_400,
  maxSpanSec: 366 * 86_400,
};

/** The rollup and bucket width for a range of days: hourly for short ranges, daily beyond. */
function rangeTable(q: { from?: string; to?: string }, nowMs: number) {
  const toMs = timeParam(q.to, 'to', nowMs);
  const fromMs = timeParam(q.from, 'from', toMs - MARKET_RANGE.defaultSpanSec * 1000);
  if (toMs - fromMs > MARKET_RANGE.maxSpanSec * 1000) throw new ValidationError('time range too long', [{ field: 'from', reason: 'at most 366 days before to' }]);
  const daily = toMs - fromMs > MARKET_RANGE.hourlyUpToSec * 1000;
  const iv = INTERVALS[daily ? '1d' : '1h'];
  return { table: iv.table, ...bucketRange(q, nowMs, iv.sec, MARKET_RANGE.defaultSpanSec) };
}

/** Zero-filled values per bucket of [from, to), from rows keyed by bucket start `t` (seconds). */
function zeroFilled<R extends { t: number }>(found: R[], from: number, to: number, sec: number, value: (r: R) => number): number[] {
  const out = new Array<number>((to - from) / sec).fill(0);
  for (const r of found) {
    const i = (Number(r.t) - from) / sec;
    if (i >= 0 && i < out.length) out[i] = value(r);
  }
  return out;
}

const PRODUCT_EXISTS_SQL = `SELECT count() AS n FROM products WHERE productId = {id:String}`;

async function assertProduct(s: Services, id: string): Promise<void> {
  const [r] = await rows<{ n: number }>(s.ch, PRODUCT_EXISTS_SQL, { id });
  if (num(r?.n) === 0) throw new NotFoundError('product', id);
}

// ---------------------------------------------------------------------------------------------
// Forecast

const ForecastQuery = Type.Object({
  metric: Type.Optional(Type.Enum(METRICS, { default: 'views' })),
  horizon: Type.Optional(Type.Integer({ minimum: 1, maximum: FORECAST.horizon, default: FORECAST.horizon, description: 'Hours ahead' })),
});

// The latest generation of a product's forecast (older ones linger until merges replace them).
const FORECAST_SQL = `
SELECT toUnixTimestamp64Milli(generatedAt) AS at, model, step, toUnixTimestamp(ts) AS t, yhat, lo80, hi80, lo95, hi95
FROM forecasts
WHERE productId = {id:String} AND metric = {metric:String}
  AND generatedAt = (SELECT max(generatedAt) FROM forecasts WHERE productId = {id:String} AND metric = {metric:String})
ORDER BY step LIMIT 1 BY step`;

const BACKTEST_SQL = `
SELECT model, mase, coverage80, coverage95
FROM forecast_backtests
WHERE productId = {id:String} AND metric = {metric:String} AND generatedAt = fromUnixTimestamp64Milli({at:Int64})
ORDER BY model LIMIT 1 BY model`;

async function storedForecast(s: Services, id: string, metric: Metric): Promise<StoredForecast | null> {
  const points = await rows<{ at: number; model: string; step: number; t: number; yhat: number; lo80: number; hi80: number; lo95: number; hi95: number }>(s.ch, FORECAST_SQL, { id, metric });
  if (!points.length) return null;
  const at = Number(points[0].at);
  const backtest = await rows<{ model: string; mase: number | null; coverage80: number; coverage95: number }>(s.ch, BACKTEST_SQL, { id, metric, at });
  return {
    productId: id, metric, generatedAt: at, model: points[0].model, horizon: points.length,
    points: points.map((p) => ({ step: Number(p.step), ts: Number(p.t) * 1000, yhat: p.yhat, lo80: p.lo80, hi80: p.hi80, lo95: p.lo95, hi95: p.hi95 })),
    // ClickHouse writes an infinite MASE (a flat history) as null.
    backtest: backtest.map((b) => ({ model: b.model, mase: b.mase ?? Infinity, coverage80: b.coverage80, coverage95: b.coverage95, origins: [] })),
  };
}

function forecastBody(f: StoredForecast | null, horizon: number) {
  if (!f) return { model: null, horizon, interval: '1h', points: [], backtest: [], generatedAt: null };
  return {
    model: f.model, horizon, interval: '1h',
    points: f.points.slice(0, horizon).map((p) => ({ ts: new Date(p.ts).toISOString(), yhat: p.yhat, lo80: p.lo80, hi80: p.hi80, lo95: p.lo95, hi95: p.hi95 })),
    backtest: f.backtest
      .map((b) => ({ model: b.model, mase: Number.isFinite(b.mase) ? b.mase : null, coverage80: b.coverage80, coverage95: b.coverage95 }))
      .sort((a, b) => (a.mase ?? Infinity) - (b.mase ?? Infinity)),
    generatedAt: new Date(f.generatedAt).toISOString(),
  };
}

// ---------------------------------------------------------------------------------------------
// Similar products: TF-IDF text candidates, re-ranked with the shape of their recent engagement.

const SIMILAR = {
  candidates: 50,
  results: 10,
  /** similarity = text·cos + shape·max(0, r): text says what a product is, shape how it sells. */
  textWeight: 0.7,
  shapeWeight: 0.3,
  shapeHours: 7 * 24,
  /** The text index is rebuilt at most this often (new products trigger a rebuild sooner). */
  indexMaxAgeMs: 10 * 60_000,
  indexMinAgeMs: 10_000,
};

const TEXT_SQL = `
SELECT productId, argMax(title, updatedAt) AS title, argMax(category, updatedAt) AS category, argMax(tags, updatedAt) AS tags
FROM products GROUP BY productId`;

const SHAPE_SQL = `
SELECT productId, toUnixTimestamp(bucket) AS t, sum(${ENGAGEMENT_SQL}) AS e
FROM engagement_1h
WHERE productId IN {ids:Array(String)} AND bucket >= toDateTime({from:UInt32}) AND bucket < toDateTime({to:UInt32})
GROUP BY productId, t`;

interface TextCatalogue { index: TextIndex; titles: Map<string, string>; builtAt: number }

/** Shared words of two products (most telling first), and whether their category is the same. */
function textReason(index: TextIndex, a: string, b: string): string {
  const va = index.vectors.get(a)!;
  const vb = index.vectors.get(b)!;
  const shared = [...va.keys()].filter((t) => vb.has(t));
  const words = shared.filter((t) => !t.startsWith('category:')).sort((x, y) => va.get(y)! * vb.get(y)! - va.get(x)! * vb.get(x)!).slice(0, 3);
  return [words.length ? `shares “${words.join('”, “')}”` : '', shared.some((t) => t.startsWith('category:')) ? 'same category' : ''].filter(Boolean).join(', ');
}

// ---------------------------------------------------------------------------------------------
// Regions

const ProductRegionsQuery = Type.Object({ ...TimeRange });

const PRODUCT_REGIONS_SQL = (table: string) => `
SELECT region, sum(views) AS views, sum(orders) AS orders, sum(revenue) AS revenue
FROM ${table}
WHERE productId = {id:String} AND bucket >= toDateTime({from:UInt32}) AND bucket < toDateTime({to:UInt32})
GROUP BY region ORDER BY views DESC, region`;

// Demand (weighted engagement) now and in the equally long period before, and how many of the
// products active anywhere in the period are active in each region. (Aliases differ from the
// column names, which the demand expression reads.)
const REGIONS_SQL = (table: string) => `
SELECT region,
  sumIf(views, bucket >= toDateTime({from:UInt32})) AS periodViews,
  sumIf(orders, bucket >= toDateTime({from:UInt32})) AS periodOrders,
  sumIf(revenue, bucket >= toDateTime({from:UInt32})) AS periodRevenue,
  sumIf(${ENGAGEMENT_SQL}, bucket >= toDateTime({from:UInt32})) AS demand,
  sumIf(${ENGAGEMENT_SQL}, bucket < toDateTime({from:UInt32})) AS prevDemand,
  uniqExactIf(productId, bucket >= toDateTime({from:UInt32})) AS products,
  (SELECT uniqExact(productId) FROM ${table} WHERE bucket >= toDateTime({from:UInt32}) AND bucket < toDateTime({to:UInt32})) AS active
FROM ${table}
WHERE bucket >= toDateTime({prevFrom:UInt32}) AND bucket < toDateTime({to:UInt32})
GROUP BY region
ORDER BY periodViews DESC, region`;

/**
 * growth = ln((1 + demand) / (1 + demand in the previous period)), demand being weighted
 * engagement (0: flat, ln 2: doubled); competition = share of the period's active products
 * present in the region (1: every product already sells there); opportunity (0–100) =
 * 100 · max(0, tanh(growth / ln 2)) · (1 − competition): growing demand that few products serve.
 */
export function regionOpportunity(demand: number, prevDemand: number, products: number, active: number) {
  const growth = Math.log((1 + demand) / (1 + prevDemand));
  const competition = ratio(products, active);
  const opportunity = Math.round(1000 * Math.max(0, Math.tanh(growth / Math.LN2)) * (1 - competition)) / 10;
  return { growth, competition, opportunity };
}

// ---------------------------------------------------------------------------------------------
// Videos

// `videoPlatform`, not `platform`: the alias would replace the column in WHERE.
const VIDEO_SUMS = 'any(platform) AS videoPlatform, sum(views) AS views, sum(likes) AS likes, sum(shares) AS shares, sum(comments) AS comments';

const PRODUCT_VIDEOS_SQL = (after: boolean) => `
SELECT videoId, ${VIDEO_SUMS}
FROM video_engagement_1h
WHERE productId = {id:String}
GROUP BY videoId
${after ? 'HAVING views < {cv:UInt64} OR (views = {cv:UInt64} AND videoId > {cid:String})' : ''}
ORDER BY views DESC, videoId LIMIT {limit:UInt32}`;

const VideosPage = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ maxLength: 500, description: 'nextCursor of the previous page' })),
};

interface VideoSums { videoId: string; productId?: string; videoPlatform: string; views: number; likes: number; shares: number; comments: number }

/** (likes + shares + comments) / views; 0 without views. */
const engagementRate = (v: { views: number; likes: number; shares: number; comments: number }) => ratio(num(v.likes) + num(v.shares) + num(v.comments), num(v.views));

/** Engagement rows joined with their Postgres metadata (nulls where a video has none yet). */
async function withMetadata(s: Services, found: VideoSums[]) {
  const meta = found.length ? await s.db.select().from(videos).where(inArray(videos.videoId, found.map((v) => v.videoId))) : [];
  const byId = new Map(meta.map((m) => [m.videoId, m]));
  return found.map((v) => {
    const m = byId.get(v.videoId);
    return {
      videoId: v.videoId, ...(v.productId ? { productId: v.productId } : {}), platform: m?.platform ?? v.videoPlatform,
      title: m?.title ?? null, url: m?.url ?? null, creator: m?.creator ?? null, publishedAt: m?.publishedAt?.toISOString() ?? null,
      durationSec: m?.durationSec ?? null, hashtags: m?.hashtags ?? [],
      views: num(v.views), likes: num(v.likes), shares: num(v.shares), comments: num(v.comments), engagementRate: engagementRate(v),
    };
  });
}

const VideoAnalyticsQuery = Type.Object({
  platform: Type.Optional(Type.Enum(PLATFORMS)),
  ...TimeRange,
  ...VideosPage,
});

const VIDEO_INSIGHT = {
  /** Hashtags, posting hour and duration are read from the metadata of this many top videos of the period. */
  videos: 1000,
  hashtags: 20,
  durations: [[15, '<15 s'], [30, '15–30 s'], [60, '30–60 s'], [180, '1–3 min'], [600, '3–10 min'], [Infinity, '>10 min']] as const,
};

const VIDEOS_SQL = (after: boolean) => `
SELECT productId, videoId, ${VIDEO_SUMS}
FROM video_engagement_1h
WHERE bucket >= toDateTime({from:UInt32}) AND bucket < toDateTime({to:UInt32}) AND ({platform:String} = '' OR platform = {platform:String})
GROUP BY productId, videoId
${after ? 'HAVING views < {cv:UInt64} OR (views = {cv:UInt64} AND videoId > {cid:String})' : ''}
ORDER BY views DESC, videoId LIMIT {limit:UInt32}`;

const VIDEO_PLATFORMS_SQL = `
SELECT platform, uniqExact(videoId) AS videos, sum(views) AS views, sum(likes) + sum(shares) + sum(comments) AS interactions
FROM video_engagement_1h
WHERE bucket >= toDateTime({from:UInt32}) AND bucket < toDateTime({to:UInt32}) AND ({platform:String} = '' OR platform = {platform:String})
GROUP BY platform ORDER BY views DESC, platform`;

function videoInsights(top: Awaited<ReturnType<typeof withMetadata>>) {
  const tags = new Map<string, { videos: number; views: number }>();
  const hours = Array.from({ length: 24 }, (_, hour) => ({ hour, videos: 0, views: 0 }));
  const durations = VIDEO_INSIGHT.durations.map(([, bucket]) => ({ bucket, videos: 0, rates: 0 }));
  for (const v of top) {
    for (const tag of new Set(v.hashtags.map((h) => h.replace(/^#/, '').toLowerCase()))) {
      const t = tags.get(tag) ?? { videos: 0, views: 0 };
      t.videos++;
      t.views += v.views;
      tags.set(tag, t);
    }
    if (v.publishedAt) {
      const h = hours[new Date(v.publishedAt).getUTCHours()];
      h.videos++;
      h.views += v.views;
    }
    if (v.durationSec !== null) {
      const d = durations[VIDEO_INSIGHT.durations.findIndex(([upTo]) => v.durationSec! < upTo)];
      d.videos++;
      d.rates += v.engagementRate;
    }
  }
  return {
    hashtags: [...tags].map(([tag, t]) => ({ tag, ...t })).sort((a, b) => b.views - a.views || a.tag.localeCompare(b.tag)).slice(0, VIDEO_INSIGHT.hashtags),
    byHour: hours.map((h) => ({ hour: h.hour, videos: h.videos, avgViews: ratio(h.views, h.videos) })),
    byDuration: durations.map((d) => ({ bucket: d.bucket, videos: d.videos, avgEngagementRate: ratio(d.rates, d.videos) })),
  };
}

// ---------------------------------------------------------------------------------------------
// Trends and correlations

const SERIES_METRICS = [...METRICS, 'events'] as const;
type SeriesMetric = (typeof SERIES_METRICS)[number];
const listPattern = (items: readonly string[]) => `^(${items.join('|')})(,(${items.join('|')}))*$`;

const TRENDS = { maxProducts: 20, leaders: 10 };

const TrendsQuery = Type.Object({
  metrics: Type.Optional(Type.String({ pattern: listPattern(SERIES_METRICS), default: 'views', description: `Comma list of ${SERIES_METRICS.join(', ')}` })),
  interval: Type.Optional(IntervalParam),
  ...TimeRange,
  productIds: Type.Optional(Type.String({ maxLength: TRENDS.maxProducts * 129, pattern: '^[^,\\s]+(,[^,\\s]+)*$', description: `Comma list of at most ${TRENDS.maxProducts} products; default the whole market` })),
});

const trendSeriesSql = (table: string, metrics: readonly SeriesMetric[], byProducts: boolean) => `
SELECT toUnixTimestamp(bucket) AS t, ${metrics.map((m) => `sum(${m}) AS ${m}`).join(', ')}
FROM ${table}
WHERE ${byProducts ? 'productId IN {ids:Array(String)} AND ' : ''}bucket >= toDateTime({from:UInt32}) AND bucket < toDateTime({to:UInt32})
GROUP BY t ORDER BY t`;

// Velocity leaders (or the asked-for products) from the latest scores.
const velocitySql = (byProducts: boolean) => `
SELECT s.productId AS productId, p.title AS title, s.velocity AS velocity, s.acceleration AS acceleration, s.label AS label
FROM (${latestScoresSql('trend_scores', byProducts ? 'WHERE productId IN {ids:Array(String)}' : '')}) AS s
LEFT JOIN (SELECT productId, argMax(title, updatedAt) AS title FROM products ${byProducts ? 'WHERE productId IN {ids:Array(String)}' : ''} GROUP BY productId) AS p USING productId
ORDER BY velocity DESC, productId LIMIT {limit:UInt32}`;

const CorrelationsQuery = Type.Object({
  scope: Type.Optional(Type.String({ pattern: '^(all|category:.{1,100}|product:[^\\s]{1,128})$', default: 'all', description: 'all, category:<category> or product:<productId>' })),
  maxLag: Type.Optional(Type.Integer({ minimum: 0, maximum: 48, default: 6, description: 'Largest lead/lag tried, in buckets' })),
  interval: Type.Optional(IntervalParam),
  ...TimeRange,
});

const correlationSeriesSql = (table: string, scope: 'all' | 'category' | 'product') => `
SELECT toUnixTimestamp(bucket) AS t, ${METRICS.map((m) => `sum(${m}) AS ${m}`).join(', ')}
FROM ${table}
WHERE ${{
  all: '',
  category: 'productId IN (SELECT productId FROM products GROUP BY productId HAVING argMax(category, updatedAt) = {category:String}) AND',
  product: 'productId = {id:String} AND',
}[scope]} bucket >= toDateTime({from:UInt32}) AND bucket < toDateTime({to:UInt32})
GROUP BY t ORDER BY t`;

// ---------------------------------------------------------------------------------------------
// Watchlists

const WATCHLIST = { maxItems: 1000, pageMax: 100 };
const WatchlistParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const WatchlistItemParams = Type.Object({ id: Type.Integer({ minimum: 1 }), productId: Type.String({ minLength: 1, maxLength: 128 }) });
const WatchlistsQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: WATCHLIST.pageMax, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});

async function watchlistsWithItems(s: Services, lists: (typeof watchlists.$inferSelect)[]) {
  const items = lists.length
    ? await s.db.select().from(watchlistItems).where(inArray(watchlistItems.watchlistId, lists.map((l) => l.watchlistId))).orderBy(asc(watchlistItems.addedAt), asc(watchlistItems.productId))
    : [];
  return lists.map((l) => ({
    watchlistId: l.watchlistId, name: l.name, createdAt: l.createdAt.toISOString(),
    productIds: items.filter((i) => i.watchlistId === l.watchlistId).map((i) => i.productId),
  }));
}

async function watchlistOrThrow(s: Services, id: number) {
  const [list] = await s.db.select().from(watchlists).where(eq(watchlists.watchlistId, id)).limit(1);
  if (!list) throw new NotFoundError('watchlist', String(id));
  return list;
}

// ---------------------------------------------------------------------------------------------
// CSV export

const EXPORT = { maxRows: 100_000 };
const ExportQuery = Type.Omit(ListQuery, ['limit', 'cursor']);
const CSV_COLUMNS = ['productId', 'title', 'category', 'brand', 'price', 'currency', 'score', 'label', 'velocity', 'acceleration', 'views24h', 'orders24h', 'updatedAt'] as const;

/** One CSV cell: quoted when needed; text that a spreadsheet would run as a formula is defused. */
function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

// ---------------------------------------------------------------------------------------------

export const analyticsRoutes = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  const services = () => ctx.services!;
  // The API forecasts a product nobody has forecast yet with the statistical models only: the
  // MLP is trained by the processors role, and training it here would stall requests.
  let forecaster: Forecaster | null = null;
  let catalogue: TextCatalogue | null = null;
  let building: Promise<TextCatalogue> | null = null;

  async function textCatalogue(s: Services, id: string): Promise<TextCatalogue> {
    const age = catalogue ? Date.now() - catalogue.builtAt : Infinity;
    const stale = age > SIMILAR.indexMaxAgeMs || (!catalogue!.index.vectors.has(id) && age > SIMILAR.indexMinAgeMs);
    if (stale) {
      building ??= rows<{ productId: string; title: string; category: string; tags: string[] }>(s.ch, TEXT_SQL)
        .then((found) => (catalogue = {
          index: buildTextIndex(found.map((p) => ({ id: p.productId, title: p.title, tags: p.tags, category: p.category }))),
          titles: new Map(found.map((p) => [p.productId, p.title || p.productId])),
          builtAt: Date.now(),
        }))
        .finally(() => { building = null; });
      // An old index answers while a new one builds, unless it cannot answer for this product.
      if (!catalogue || !catalogue.index.vectors.has(id)) return building;
    }
    return catalogue!;
  }

  app.get('/products/:id/forecast', {
    schema: {
      tags: ['analytics'], params: IdParams, querystring: ForecastQuery,
      summary: `Hourly forecast with 80%/95% intervals (horizon ≤ ${FORECAST.horizon} h), the model chosen by rolling-origin backtest MASE, and every candidate's backtest`,
      description: 'Refreshed by the processors every hour for active products; computed on the spot when none is stored yet. model is null when the product has too little hourly history to backtest.',
    },
  }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const { metric = 'views', horizon = FORECAST.horizon } = req.query as Type.Static<typeof ForecastQuery>;
    return sendCached(ctx, req, reply, `forecast:${id}:${metric}:${horizon}`, async () => {
      const s = services();
      await assertProduct(s, id);
      let f = await storedForecast(s, id, metric);
      if (!f) {
        forecaster ??= new Forecaster({ ch: s.ch, clock: s.clock, logger: ctx.logger });
        f = await forecaster.refresh(id, metric);
      }
      return forecastBody(f, horizon);
    });
  });

  app.get('/products/:id/similar', {
    schema: {
      tags: ['analytics'], params: IdParams,
      summary: `Up to ${SIMILAR.results} similar products: TF-IDF text similarity (title, tags, category) re-ranked by the shape of the last 7 days of engagement`,
      description: `similarity = ${SIMILAR.textWeight}·text cosine + ${SIMILAR.shapeWeight}·max(0, shape r); score is the product's latest trend score.`,
    },
  }, async (req, reply) => {
    const { id } = req.params as { id: string };
    return sendCached(ctx, req, reply, `similar:${id}`, async () => {
      const s = services();
      await assertProduct(s, id);
      const { index, titles } = await textCatalogue(s, id);
      const text = similarProducts(index, id, SIMILAR.candidates);
      if (!text.length) return { items: [] };
      const ids = [id, ...text.map((t) => t.id)];
      const to = Math.floor(s.clock.now() / 3_600_000) * 3600;
      const from = to - SIMILAR.shapeHours * 3600;
      const [shapeRows, scores] = await Promise.all([
        rows<{ productId: string; t: number; e: number }>(s.ch, SHAPE_SQL, { ids, from, to }),
        rows<{ productId: string; score: number }>(s.ch, latestScoresSql('trend_scores', 'WHERE productId IN {ids:Array(String)}'), { ids }),
      ]);
      const shape = new Map(ids.map((p) => [p, zeroFilled(shapeRows.filter((r) => r.productId === p), from, to, 3600, (r) => Math.log1p(num(r.e)))]));
      const score = new Map(scores.map((r) => [r.productId, num(r.score)]));
      const items = text.map((t) => {
        const r = shapeSimilarity(shape.get(id)!, shape.get(t.id)!);
        const similarity = SIMILAR.textWeight * t.score + SIMILAR.shapeWeight * Math.max(0, r);
        const reason = [textReason(index, id, t.id), r > 0 ? `trend shape r = ${r.toFixed(2)}` : ''].filter(Boolean).join('; ');
        return { productId: t.id, title: titles.get(t.id) ?? t.id, score: score.get(t.id) ?? 0, similarity, reason };
      });
      items.sort((a, b) => b.similarity - a.similarity || (a.productId < b.productId ? -1 : 1));
      return { items: items.slice(0, SIMILAR.results) };
    });
  });

  app.get('/products/:id/regions', {
    schema: { tags: ['analytics'], params: IdParams, querystring: ProductRegionsQuery, summary: 'Engagement of one product per region (default: the last 7 days); share = share of its views' },
  }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const q = req.query as Type.Static<typeof ProductRegionsQuery>;
    return sendCached(ctx, req, reply, `product-regions:${id}:${JSON.stringify(q)}`, async () => {
      const s = services();
      const { table, from, to } = rangeTable(q, s.clock.now());
      const [, found] = await Promise.all([
        assertProduct(s, id),
        rows<{ region: string; views: number; orders: number; revenue: number }>(s.ch, PRODUCT_REGIONS_SQL(table), { id, from, to }),
      ]);
      const total = found.reduce((a, r) => a + num(r.views), 0);
      return { items: found.map((r) => ({ region: r.region, name: regionName(r.region), views: num(r.views), orders: num(r.orders), revenue: num(r.revenue), share: ratio(num(r.views), total) })) };
    });
  });

  app.get('/products/:id/videos', {
    schema: { tags: ['analytics'], params: IdParams, querystring: Type.Object(VideosPage), summary: 'Videos that drove engagement to the product, most viewed first (limit ≤ 100); engagementRate = (likes + shares + comments) / views' },
  }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const q = req.query as { limit?: number; cursor?: string };
    return sendCached(ctx, req, reply, `product-videos:${id}:${JSON.stringify(q)}`, async () => {
      const s = services();
      const limit = q.limit ?? 20;
      const after = decodeCursor(q.cursor, 2);
      const [, found] = await Promise.all([
        assertProduct(s, id),
        rows<VideoSums>(s.ch, PRODUCT_VIDEOS_SQL(!!after), { id, limit: limit + 1, ...(after ? { cv: after[0], cid: after[1] } : {}) }),
      ]);
      const page = found.slice(0, limit);
      const last = page[page.length - 1];
      return { items: await withMetadata(s, page), nextCursor: found.length > limit && last ? encodeCursor([num(last.views), last.videoId]) : null };
    });
  });

  app.get('/trends', {
    schema: {
      tags: ['analytics'], querystring: TrendsQuery,
      summary: `Metrics on one time axis (summed over the given products, or the whole market), zero-filled, with velocity and acceleration of those products (or the ${TRENDS.leaders} fastest)`,
    },
  }, async (req, reply) => {
    const q = req.query as Type.Static<typeof TrendsQuery>;
    return sendCached(ctx, req, reply, `trends:${JSON.stringify(q)}`, async () => {
      const s = services();
      const metrics = [...new Set((q.metrics ?? 'views').split(','))] as SeriesMetric[];
      const ids = q.productIds ? [...new Set(q.productIds.split(','))] : [];
      if (ids.length > TRENDS.maxProducts) throw new ValidationError('too many products', [{ field: 'productIds', reason: `at most ${TRENDS.maxProducts}` }]);
      const iv = INTERVALS[(q.interval ?? '1h') as Interval];
      const { from, to } = bucketRange(q, s.clock.now(), iv.sec, iv.span);
      const byProducts = ids.length > 0;
      const [series, velocity] = await Promise.all([
        rows<Record<string, number> & { t: number }>(s.ch, trendSeriesSql(iv.table, metrics, byProducts), { ids, from, to }),
        rows<{ productId: string; title: string; velocity: number; acceleration: number; label: string }>(s.ch, velocitySql(byProducts), { ids, limit: byProducts ? ids.length : TRENDS.leaders }),
      ]);
      return {
        series: metrics.map((m) => ({ metric: m, points: zeroFilled(series, from, to, iv.sec, (r) => num(r[m])).map((value, i) => ({ ts: isoFromUnix(from + i * iv.sec), value })) })),
        velocity: velocity.map((v) => ({ productId: v.productId, title: v.title || v.productId, velocity: num(v.velocity), acceleration: num(v.acceleration), label: v.label || null })),
      };
    });
  });

  app.get('/correlations', {
    schema: {
      tags: ['analytics'], querystring: CorrelationsQuery,
      summary: 'Lagged correlation between every pair of metrics (first differences of the summed series), at the lag with the largest |r|',
      description: 'lag > 0: metric a leads metric b by lag buckets; n: pairs used; pValue: two-sided t-test of r = 0 (assumes independent pairs).',
    },
  }, async (req, reply) => {
    const q = req.query as Type.Static<typeof CorrelationsQuery>;
    return sendCached(ctx, req, reply, `correlations:${JSON.stringify(q)}`, async () => {
      const s = services();
      const scope = q.scope ?? 'all';
      const kind = scope === 'all' ? 'all' : (scope.slice(0, scope.indexOf(':')) as 'category' | 'product');
      const value = scope.slice(scope.indexOf(':') + 1);
      if (kind === 'product') await assertProduct(s, value);
      const iv = INTERVALS[(q.interval ?? '1h') as Interval];
      const { from, to } = bucketRange(q, s.clock.now(), iv.sec, iv.span);
      const found = await rows<Record<Metric, number> & { t: number }>(s.ch, correlationSeriesSql(iv.table, kind), { from, to, category: value, id: value });
      const diffs = Object.fromEntries(METRICS.map((m) => [m, difference(zeroFilled(found, from, to, iv.sec, (r) => num(r[m])))])) as Record<Metric, number[]>;
      const items = [];
      for (let i = 0; i < METRICS.length; i++) {
        for (let j = i + 1; j < METRICS.length; j++) {
          const { best } = crossCorrelation(diffs[METRICS[i]], diffs[METRICS[j]], q.maxLag ?? 6);
          items.push({ a: METRICS[i], b: METRICS[j], r: best.r, lag: best.lag, n: best.n, pValue: best.pValue });
        }
      }
      return { items };
    });
  });

  app.get('/regions', {
    schema: {
      tags: ['analytics'], querystring: Type.Object({ ...TimeRange }),
      summary: 'Demand per region (default: the last 7 days) with growth, competition and market opportunity',
      description: 'demand = weighted engagement; growth = ln((1 + demand) / (1 + demand in the previous period of equal length)); competition = share of the period\'s active products present in the region; opportunity (0–100) = 100 · max(0, tanh(growth / ln 2)) · (1 − competition). Ranges over 3 days read whole UTC days.',
    },
  }, async (req, reply) => {
    const q = req.query as { from?: string; to?: string };
    return sendCached(ctx, req, reply, `regions:${JSON.stringify(q)}`, async () => {
      const s = services();
      const { table, from, to } = rangeTable(q, s.clock.now());
      const found = await rows<{ region: string; periodViews: number; periodOrders: number; periodRevenue: number; demand: number; prevDemand: number; products: number; active: number }>(
        s.ch, REGIONS_SQL(table), { from, to, prevFrom: from - (to - from) });
      return {
        items: found.map((r) => ({
          region: r.region, name: regionName(r.region), views: num(r.periodViews), orders: num(r.periodOrders), revenue: num(r.periodRevenue),
          products: num(r.products), ...regionOpportunity(num(r.demand), num(r.prevDemand), num(r.products), num(r.active)),
        })),
      };
    });
  });

  app.get('/videos', {
    schema: {
      tags: ['analytics'], querystring: VideoAnalyticsQuery,
      summary: 'Video analytics for a period (default: the last 7 days): top videos (paginated, limit ≤ 100), totals per platform, and hashtags, posting hour (UTC) and duration of the top videos',
      description: `Hashtags, byHour and byDuration cover the ${VIDEO_INSIGHT.videos} most viewed videos of the period that have metadata. engagementRate = (likes + shares + comments) / views.`,
    },
  }, async (req, reply) => {
    const q = req.query as Type.Static<typeof VideoAnalyticsQuery>;
    return sendCached(ctx, req, reply, `videos:${JSON.stringify(q)}`, async () => {
      const s = services();
      const { from, to } = bucketRange(q, s.clock.now(), 3600, MARKET_RANGE.defaultSpanSec);
      const limit = q.limit ?? 20;
      const after = decodeCursor(q.cursor, 2);
      const params = { from, to, platform: q.platform ?? '' };
      const [found, platforms, top] = await Promise.all([
        rows<VideoSums>(s.ch, VIDEOS_SQL(!!after), { ...params, limit: limit + 1, ...(after ? { cv: after[0], cid: after[1] } : {}) }),
        rows<{ platform: string; videos: number; views: number; interactions: number }>(s.ch, VIDEO_PLATFORMS_SQL, params),
        rows<VideoSums>(s.ch, VIDEOS_SQL(false), { ...params, limit: VIDEO_INSIGHT.videos }),
      ]);
      const page = found.slice(0, limit);
      const last = page[page.length - 1];
      return {
        items: await withMetadata(s, page),
        nextCursor: found.length > limit && last ? encodeCursor([num(last.views), last.videoId]) : null,
        byPlatform: platforms.map((p) => ({ platform: p.platform, videos: num(p.videos), views: num(p.views), engagementRate: ratio(num(p.interactions), num(p.views)) })),
        ...videoInsights(await withMetadata(s, top)),
      };
    });
  });

  app.get('/watchlists', { schema: { tags: ['watchlists'], querystring: WatchlistsQuery, summary: `Watchlists with their product ids, oldest first (limit ≤ ${WATCHLIST.pageMax})` } }, async (req) => {
    const q = req.query as Type.Static<typeof WatchlistsQuery>;
    const s = services();
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor, 1);
    const found = await s.db.select().from(watchlists).where(after ? gt(watchlists.watchlistId, Number(after[0])) : undefined).orderBy(asc(watchlists.watchlistId)).limit(limit + 1);
    const page = found.slice(0, limit);
    const last = page[page.length - 1];
    return { items: await watchlistsWithItems(s, page), nextCursor: found.length > limit && last ? encodeCursor([last.watchlistId]) : null };
  });

  app.post('/watchlists', {
    schema: { tags: ['watchlists'], summary: 'Create a watchlist', body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }) }, { additionalProperties: false }), security: [{ apiKey: [] }] },
  }, async (req, reply) => {
    const { name } = req.body as { name: string };
    const [list] = await services().db.insert(watchlists).values({ name: name.trim() }).returning();
    return reply.status(201).send((await watchlistsWithItems(services(), [list]))[0]);
  });

  app.post('/watchlists/:id/items', {
    schema: {
      tags: ['watchlists'], summary: `Add a product to a watchlist: 201 when added, 200 when it was there already (at most ${WATCHLIST.maxItems} products)`, params: WatchlistParams,
      body: Type.Object({ productId: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false }), security: [{ apiKey: [] }],
    },
  }, async (req, reply) => {
    const { id } = req.params as { id: number };
    const { productId } = req.body as { productId: string };
    const s = services();
    const list = await watchlistOrThrow(s, id);
    const [known] = await rows<{ n: number }>(s.ch, PRODUCT_EXISTS_SQL, { id: productId });
    if (num(known?.n) === 0) throw new ValidationError('unknown product', [{ field: 'productId', reason: `no product ${productId}` }]);
    const [current] = await watchlistsWithItems(s, [list]);
    if (current.productIds.includes(productId)) return reply.status(200).send(current);
    if (current.productIds.length >= WATCHLIST.maxItems) throw new ValidationError('watchlist is full', [{ field: 'productId', reason: `a watchlist holds at most ${WATCHLIST.maxItems} products` }]);
    await s.db.insert(watchlistItems).values({ watchlistId: id, productId }).onConflictDoNothing();
    return reply.status(201).send((await watchlistsWithItems(s, [list]))[0]);
  });

  app.delete('/watchlists/:id/items/:productId', {
    schema: { tags: ['watchlists'], summary: 'Remove a product from a watchlist (204 whether or not it was there)', params: WatchlistItemParams, security: [{ apiKey: [] }] },
  }, async (req, reply) => {
    const { id, productId } = req.params as { id: number; productId: string };
    const s = services();
    await watchlistOrThrow(s, id);
    await s.db.delete(watchlistItems).where(and(eq(watchlistItems.watchlistId, id), eq(watchlistItems.productId, productId)));
    return reply.status(204).send();
  });

  app.get('/export/products.csv', {
    schema: { tags: ['products'], querystring: ExportQuery, summary: `The explorer's products as CSV: the filters and sort of GET /products, at most ${EXPORT.maxRows} rows`, produces: ['text/csv'] },
  }, async (req, reply) => {
    const q = req.query as Omit<ListQuery, 'limit' | 'cursor'>;
    const s = services();
    // The first page is read before any byte is sent, so a bad filter still gets its 400.
    const first = await listProducts(s, { ...q, limit: LIST_LIMIT.max });
    async function* lines() {
      yield CSV_COLUMNS.join(',') + '\n';
      let page = first;
      let sent = 0;
      for (;;) {
        const items = page.items.slice(0, EXPORT.maxRows - sent);
        sent += items.length;
        yield items.map((p) => CSV_COLUMNS.map((c) => csvCell(p[c])).join(',') + '\n').join('');
        if (!page.nextCursor || sent >= EXPORT.maxRows) return;
        page = await listProducts(s, { ...q, limit: LIST_LIMIT.max, cursor: page.nextCursor });
      }
    }
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="trenddrop-products.csv"')
      .send(Readable.from(lines()));
  });
};
