// Products: the explorer list (filters, sort, cursor pagination), one product with its latest
// score components and 24-hour totals, and its engagement time series from the rollups.
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { METRICS, PLATFORMS } from '../../schemas/events.js';
import type { ApiContext } from '../context.js';
import { getProduct } from '../queries/get-product.js';
import { getEventTime } from '../queries/get-event-time.js';
import { getProductTimeseries, type TimeseriesParams } from '../queries/get-product-timeseries.js';
import { LABELS, LIST_LIMIT, listProducts, SORT_KEYS, type ListProductsParams } from '../queries/list-products.js';
import { STAGES } from '../../analytics/lifecycle.js';
import { INTERVAL_NAMES } from '../queries/time-range.js';
import { IdParams } from '../schemas/params.js';
import { sendCached } from './shared.js';

export const ListQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Text in title, brand or tags' })),
  category: Type.Optional(Type.String({ maxLength: 100 })),
  region: Type.Optional(Type.String({ pattern: '^[A-Z]{2}$', description: 'Only products with engagement in this region in the last 7 days' })),
  platform: Type.Optional(Type.Enum(PLATFORMS)),
  label: Type.Optional(Type.Enum(LABELS)),
  stage: Type.Optional(Type.Enum(STAGES, { description: 'Lifecycle stage from the latest forecast of views (emerging, rising, peaking, saturating, declining)' })),
  minScore: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  maxScore: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  minPrice: Type.Optional(Type.Number({ minimum: 0 })),
  maxPrice: Type.Optional(Type.Number({ minimum: 0 })),
  sort: Type.Optional(Type.Enum(SORT_KEYS.flatMap((s) => [s, `-${s}` as const]), { default: '-score', description: "Field to sort by; a leading '-' sorts descending" })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIST_LIMIT.max, default: LIST_LIMIT.default })),
  cursor: Type.Optional(Type.String({ maxLength: 1000, description: 'nextCursor of the previous page' })),
});

const SeriesQuery = Type.Object({
  metric: Type.Optional(Type.Enum([...METRICS, 'events'] as const, { default: 'views' })),
  interval: Type.Optional(Type.Enum(INTERVAL_NAMES, { description: "Bucket width: 1m, 1h, 1d or 1w (ISO weeks from Monday 00:00 UTC); default the product's native step (1h for live engagement; 1d, 1w on the series' own weekday, or 1mo for imported histories)" })),
  from: Type.Optional(Type.String({ description: 'ISO 8601; default: 6 h, 7 d, 90 d, 260 weeks or 20 years before `to` for 1m, 1h, 1d, 1w, 1mo' })),
  to: Type.Optional(Type.String({ description: 'ISO 8601; default now' })),
});

export const productRoutes = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  app.get('/products', {
    schema: { tags: ['products'], summary: `Products with their latest trend score; filters, sort, cursor pagination (limit ≤ ${LIST_LIMIT.max})`, querystring: ListQuery },
  }, async (req, reply) => {
    const q = req.query as ListProductsParams;
    return sendCached(ctx, req, reply, `products:${JSON.stringify(q)}`, () => listProducts(ctx.services!.ch, ctx.services!.clock.now(), q));
  });
  app.get('/products/:id', { schema: { tags: ['products'], summary: 'One product: metadata, latest score with its components, 24 h totals', params: IdParams } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    return sendCached(ctx, req, reply, `product:${id}`, () => { const s = ctx.services!; return getProduct({ ch: s.ch, db: s.db, now: s.clock.now() }, id); });
  });
  app.get('/products/:id/timeseries', {
    schema: {
      tags: ['products'], summary: 'Engagement of one product per interval (default: its native step), zero-filled; native says whether the interval is the native one', params: IdParams, querystring: SeriesQuery,
      description: 'A point whose bucket can still receive on-time events (its end is after watermark − allowed lateness) has partial: true; it is not a complete value.',
    },
  }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const q = req.query as TimeseriesParams;
    return sendCached(ctx, req, reply, `ts:${id}:${JSON.stringify(q)}`, async () => {
      const s = ctx.services!;
      const now = s.clock.now();
      return getProductTimeseries(s.ch, now, await getEventTime(s.ch, now, ctx.config.allowedLatenessMs), id, q);
    });
  });
};
