// Products: the explorer list (filters, sort, cursor pagination), one product with its latest
// score components and 24-hour totals, and its engagement time series from the rollups.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.js';
import { getEventTime } from '../queries/get-event-time.js';
import { getProduct } from '../queries/get-product.js';
import { getProductTimeseries } from '../queries/get-product-timeseries.js';
import { listProducts } from '../queries/list-products.js';
import { errors, IdParams } from '../schemas/common.js';
import { LIST_LIMIT, ListQuery, ProductDetail, ProductPage, SeriesQuery, Timeseries } from '../schemas/products.js';
import { sendCached } from './shared.js';

export const productRoutes = (ctx: ApiContext): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/products', {
    schema: {
      tags: ['products'], summary: `Products with their latest trend score; filters, sort, cursor pagination (limit ≤ ${LIST_LIMIT.max})`,
      querystring: ListQuery, response: { 200: ProductPage, ...errors() },
    },
  }, async (req, reply) => {
    const q = req.query;
    return sendCached(ctx, req, reply, `products:${JSON.stringify(q)}`, ProductPage, () => listProducts(ctx.services!, ctx.services!.clock.now(), q));
  });
  app.get('/products/:id', {
    schema: { tags: ['products'], summary: 'One product: metadata, latest score with its components, 24 h totals', params: IdParams, response: { 200: ProductDetail, ...errors(404) } },
  }, async (req, reply) => {
    const { id } = req.params;
    return sendCached(ctx, req, reply, `product:${id}`, ProductDetail, () => { const s = ctx.services!; return getProduct({ ch: s.ch, db: s.db, now: s.clock.now(), allowedLatenessMs: ctx.config.allowedLatenessMs }, id); });
  });
  app.get('/products/:id/timeseries', {
    schema: {
      tags: ['products'], summary: 'Engagement of one product per interval (default: its native step), zero-filled; native says whether the interval is the native one',
      description: 'A point whose bucket can still receive on-time events (its end is after watermark − allowed lateness) has partial: true; it is not a complete value.',
      params: IdParams, querystring: SeriesQuery, response: { 200: Timeseries, ...errors() },
    },
  }, async (req, reply) => {
    const { id } = req.params;
    const q = req.query;
    return sendCached(ctx, req, reply, `ts:${id}:${JSON.stringify(q)}`, Timeseries, async () => {
      const s = ctx.services!;
      const now = s.clock.now();
      return getProductTimeseries(s.ch, now, await getEventTime(s.ch, now, ctx.config.allowedLatenessMs), id, q);
    });
  });
};
