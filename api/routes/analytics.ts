// Analytics routes: per-product forecast, similar products, regions and videos; market-wide
// trends, correlations, regions and video analytics; watchlists; CSV export of the explorer.
import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { METRICS, PLATFORMS } from '../../schemas/events.js';
import { FORECAST, Forecaster } from '../../processors/forecaster.js';
import type { ApiContext } from '../context.js';
import { addWatchlistItem } from '../queries/add-watchlist-item.js';
import { createWatchlist } from '../queries/create-watchlist.js';
import { getProductForecast } from '../queries/get-product-forecast.js';
import { getTrends, SERIES_METRICS, TRENDS, type SeriesMetric } from '../queries/get-trends.js';
import { getVideoAnalytics, VIDEO_INSIGHT, type VideoAnalyticsParams } from '../queries/get-video-analytics.js';
import { assertProduct } from '../queries/has-product.js';
import { LIST_LIMIT, listProducts, type ListProductsParams } from '../queries/list-products.js';
import { listMetricCorrelations, type CorrelationScope } from '../queries/list-metric-correlations.js';
import { listProductRegions } from '../queries/list-product-regions.js';
import { listProductVideos } from '../queries/list-product-videos.js';
import { listRegionOpportunities } from '../queries/list-region-opportunities.js';
import { listSimilarProducts, ProductTextIndex, SIMILAR } from '../queries/list-similar-products.js';
import { listWatchlists } from '../queries/list-watchlists.js';
import { removeWatchlistItem } from '../queries/remove-watchlist-item.js';
import type { Interval } from '../queries/time-range.js';
import { WATCHLIST } from '../queries/watchlist-rows.js';
import { IdParams, ListQuery } from './products.js';
import { sendCached } from './shared.js';

const IntervalParam = Type.Enum(['1m', '1h', '1d'] as const, { default: '1h' });
const TimeRange = {
  from: Type.Optional(Type.String({ description: 'ISO 8601 start (inclusive)' })),
  to: Type.Optional(Type.String({ description: 'ISO 8601 end (exclusive); default now' })),
};

const ForecastQuery = Type.Object({
  metric: Type.Optional(Type.Enum(METRICS, { default: 'views' })),
  horizon: Type.Optional(Type.Integer({ minimum: 1, maximum: FORECAST.horizon, default: FORECAST.horizon, description: 'Hours ahead' })),
});

const ProductRegionsQuery = Type.Object({ ...TimeRange });

const VideosPage = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ maxLength: 500, description: 'nextCursor of the previous page' })),
};

const VideoAnalyticsQuery = Type.Object({
  platform: Type.Optional(Type.Enum(PLATFORMS)),
  ...TimeRange,
  ...VideosPage,
});

const listPattern = (items: readonly string[]) => `^(${items.join('|')})(,(${items.join('|')}))*$`;

const TrendsQuery = Type.Object({
  metrics: Type.Optional(Type.String({ pattern: listPattern(SERIES_METRICS), default: 'views', description: `Comma list of ${SERIES_METRICS.join(', ')}` })),
  interval: Type.Optional(IntervalParam),
  ...TimeRange,
  productIds: Type.Optional(Type.String({ maxLength: TRENDS.maxProducts * 129, pattern: '^[^,\\s]+(,[^,\\s]+)*$', description: `Comma list of at most ${TRENDS.maxProducts} products; default the whole market` })),
});

const CorrelationsQuery = Type.Object({
  scope: Type.Optional(Type.String({ pattern: '^(all|category:.{1,100}|product:[^\\s]{1,128})$', default: 'all', description: 'all, category:<category> or product:<productId>' })),
  maxLag: Type.Optional(Type.Integer({ minimum: 0, maximum: 48, default: 6, description: 'Largest lead/lag tried, in buckets' })),
  interval: Type.Optional(IntervalParam),
  ...TimeRange,
});

/** `all`, `category:<name>` or `product:<id>` (the pattern above has checked the form). */
function correlationScope(scope = 'all'): CorrelationScope {
  if (scope === 'all') return { kind: 'all' };
  const value = scope.slice(scope.indexOf(':') + 1);
  return scope.startsWith('category:') ? { kind: 'category', category: value } : { kind: 'product', id: value };
}

const WatchlistParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const WatchlistItemParams = Type.Object({ id: Type.Integer({ minimum: 1 }), productId: Type.String({ minLength: 1, maxLength: 128 }) });
const WatchlistsQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: WATCHLIST.pageMax, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});

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

export const analyticsRoutes = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  const services = () => ctx.services!;
  // The API forecasts a product the schedule has not reached with the statistical models only:
  // the MLP is trained by the processors role, and training it here would stall requests.
  let forecaster: Forecaster | null = null;
  let texts: ProductTextIndex | null = null;

  app.get('/products/:id/forecast', {
    schema: {
      tags: ['analytics'], params: IdParams, querystring: ForecastQuery,
      summary: `Hourly forecast with 80%/95% intervals (horizon ≤ ${FORECAST.horizon} h), the model chosen by rolling-origin backtest MASE, and every candidate's backtest`,
      description: 'Refreshed and stored by the processors every hour for active products; computed on the spot (not stored) for others. model is null when the product has too little hourly history to backtest.',
    },
  }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const { metric = 'views', horizon = FORECAST.horizon } = req.query as Type.Static<typeof ForecastQuery>;
    return sendCached(ctx, req, reply, `forecast:${id}:${metric}:${horizon}`, async () => {
      const s = services();
      await assertProduct(s.ch, id);
      forecaster ??= new Forecaster({ ch: s.ch, clock: s.clock, logger: ctx.logger });
      return getProductForecast({ ch: s.ch, forecaster }, id, metric, horizon);
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
      await assertProduct(s.ch, id);
      texts ??= new ProductTextIndex(s.ch);
      return { items: await listSimilarProducts({ ch: s.ch, now: s.clock.now(), texts }, id) };
    });
  });

  app.get('/products/:id/regions', {
    schema: { tags: ['analytics'], params: IdParams, querystring: ProductRegionsQuery, summary: 'Engagement of one product per region (default: the last 7 days); share = share of its views' },
  }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const q = req.query as Type.Static<typeof ProductRegionsQuery>;
    return sendCached(ctx, req, reply, `product-regions:${id}:${JSON.stringify(q)}`, async () => {
      const s = services();
      const [, items] = await Promise.all([assertProduct(s.ch, id), listProductRegions(s.ch, s.clock.now(), id, q)]);
      return { items };
    });
  });

  app.get('/products/:id/videos', {
    schema: { tags: ['analytics'], params: IdParams, querystring: Type.Object(VideosPage), summary: 'Videos that drove engagement to the product, most viewed first (limit ≤ 100); engagementRate = (likes + shares + comments) / views' },
  }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const q = req.query as { limit?: number; cursor?: string };
    return sendCached(ctx, req, reply, `product-videos:${id}:${JSON.stringify(q)}`, async () => {
      const s = services();
      const [, page] = await Promise.all([assertProduct(s.ch, id), listProductVideos(s, id, q)]);
      return page;
    });
  });

  app.get('/trends', {
    schema: {
      tags: ['analytics'], querystring: TrendsQuery,
      summary: `Metrics on one time axis (summed over the given products, or the whole market), zero-filled, with velocity and acceleration of those products (or the ${TRENDS.leaders} fastest)`,
    },
  }, async (req, reply) => {
    const q = req.query as Type.Static<typeof TrendsQuery>;
    return sendCached(ctx, req, reply, `trends:${JSON.stringify(q)}`, async () => getTrends(services().ch, services().clock.now(), {
      metrics: (q.metrics ?? 'views').split(',') as SeriesMetric[], productIds: q.productIds ? q.productIds.split(',') : undefined,
      interval: q.interval as Interval | undefined, from: q.from, to: q.to,
    }));
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
      const scope = correlationScope(q.scope);
      if (scope.kind === 'product') await assertProduct(s.ch, scope.id);
      return { items: await listMetricCorrelations(s.ch, s.clock.now(), { scope, maxLag: q.maxLag, interval: q.interval as Interval | undefined, from: q.from, to: q.to }) };
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
    return sendCached(ctx, req, reply, `regions:${JSON.stringify(q)}`, async () => ({ items: await listRegionOpportunities(services().ch, services().clock.now(), q) }));
  });

  app.get('/videos', {
    schema: {
      tags: ['analytics'], querystring: VideoAnalyticsQuery,
      summary: 'Video analytics for a period (default: the last 7 days): top videos (paginated, limit ≤ 100), totals per platform, and hashtags, posting hour (UTC) and duration of the top videos',
      description: `Hashtags, byHour and byDuration cover the ${VIDEO_INSIGHT.videos} most viewed videos of the period that have metadata. engagementRate = (likes + shares + comments) / views.`,
    },
  }, async (req, reply) => {
    const q = req.query as VideoAnalyticsParams;
    return sendCached(ctx, req, reply, `videos:${JSON.stringify(q)}`, async () => {
      const s = services();
      return getVideoAnalytics({ ch: s.ch, db: s.db, now: s.clock.now() }, q);
    });
  });

  app.get('/watchlists', { schema: { tags: ['watchlists'], querystring: WatchlistsQuery, summary: `Watchlists with their product ids, oldest first (limit ≤ ${WATCHLIST.pageMax})` } }, async (req) => {
    return listWatchlists(services().db, req.query as Type.Static<typeof WatchlistsQuery>);
  });

  app.post('/watchlists', {
    schema: { tags: ['watchlists'], summary: 'Create a watchlist', body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }) }, { additionalProperties: false }), security: [{ apiKey: [] }] },
  }, async (req, reply) => {
    const { name } = req.body as { name: string };
    return reply.status(201).send(await createWatchlist(services().db, name));
  });

  app.post('/watchlists/:id/items', {
    schema: {
      tags: ['watchlists'], summary: `Add a product to a watchlist: 201 when added, 200 when it was there already (at most ${WATCHLIST.maxItems} products)`, params: WatchlistParams,
      body: Type.Object({ productId: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false }), security: [{ apiKey: [] }],
    },
  }, async (req, reply) => {
    const { id } = req.params as { id: number };
    const { productId } = req.body as { productId: string };
    const { list, added } = await addWatchlistItem(services(), id, productId);
    return reply.status(added ? 201 : 200).send(list);
  });

  app.delete('/watchlists/:id/items/:productId', {
    schema: { tags: ['watchlists'], summary: 'Remove a product from a watchlist (204 whether or not it was there)', params: WatchlistItemParams, security: [{ apiKey: [] }] },
  }, async (req, reply) => {
    const { id, productId } = req.params as { id: number; productId: string };
    await removeWatchlistItem(services().db, id, productId);
    return reply.status(204).send();
  });

  app.get('/export/products.csv', {
    schema: { tags: ['products'], querystring: ExportQuery, summary: `The explorer's products as CSV: the filters and sort of GET /products, at most ${EXPORT.maxRows} rows`, produces: ['text/csv'] },
  }, async (req, reply) => {
    const q = req.query as Omit<ListProductsParams, 'limit' | 'cursor'>;
    const s = services();
    const page = (cursor?: string) => listProducts(s.ch, s.clock.now(), { ...q, limit: LIST_LIMIT.max, cursor });
    // The first page is read before any byte is sent, so a bad filter still gets its 400.
    const first = await page();
    async function* lines() {
      yield CSV_COLUMNS.join(',') + '\n';
      let current = first;
      let sent = 0;
      for (;;) {
        const items = current.items.slice(0, EXPORT.maxRows - sent);
        sent += items.length;
        yield items.map((p) => CSV_COLUMNS.map((c) => csvCell(p[c])).join(',') + '\n').join('');
        if (!current.nextCursor || sent >= EXPORT.maxRows) return;
        current = await page(current.nextCursor);
      }
    }
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="trenddrop-products.csv"')
      .send(Readable.from(lines()));
  });
};
