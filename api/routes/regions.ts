// Regions: one product's engagement per region, and demand, growth, competition and
// opportunity per region across the market.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.js';
import { assertProduct } from '../queries/has-product.js';
import { listProductRegions } from '../queries/list-product-regions.js';
import { listRegionOpportunities } from '../queries/list-region-opportunities.js';
import { errors, IdParams } from '../schemas/common.js';
import { ProductRegions, RangeQuery, RegionOpportunities } from '../schemas/regions.js';
import { sendCached } from './shared.js';

export const regionRoutes = (ctx: ApiContext): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/products/:id/regions', {
    schema: {
      tags: ['analytics'], params: IdParams, querystring: RangeQuery, response: { 200: ProductRegions, ...errors(404) },
      summary: 'Engagement of one product per region (default: the last 7 days); share = share of its views',
    },
  }, async (req, reply) => {
    const { id } = req.params;
    const q = req.query;
    return sendCached(ctx, req, reply, `product-regions:${id}:${JSON.stringify(q)}`, ProductRegions, async () => {
      const s = ctx.services!;
      const [, items] = await Promise.all([assertProduct(s.ch, id), listProductRegions(s.ch, s.clock.now(), id, q)]);
      return { items };
    });
  });

  app.get('/regions', {
    schema: {
      tags: ['analytics'], querystring: RangeQuery, response: { 200: RegionOpportunities, ...errors() },
      summary: 'Demand per region (default: the last 7 days) with growth, competition and market opportunity',
      description: 'demand = weighted engagement; growth = ln((1 + demand) / (1 + demand in the previous period of equal length)); competition = share of the period\'s active products present in the region; opportunity (0–100) = 100 · max(0, tanh(growth / ln 2)) · (1 − competition). Ranges over 3 days read whole UTC days.',
    },
  }, async (req, reply) => {
    const q = req.query;
    return sendCached(ctx, req, reply, `regions:${JSON.stringify(q)}`, RegionOpportunities, async () => ({ items: await listRegionOpportunities(ctx.services!.ch, ctx.services!.clock.now(), q) }));
  });
};
