// GET trends: metrics on one time axis with the velocity of the products behind them.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.js';
import { getEventTime } from '../queries/get-event-time.js';
import { getTrends } from '../queries/get-trends.js';
import { errors } from '../schemas/common.js';
import type { SeriesMetric } from '../schemas/products.js';
import { TRENDS, Trends, TrendsQuery } from '../schemas/trends.js';
import { sendCached } from './shared.js';

export const trendRoutes = (ctx: ApiContext): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/trends', {
    schema: {
      tags: ['analytics'], querystring: TrendsQuery, response: { 200: Trends, ...errors() },
      summary: `Metrics on one time axis (summed over the given products, or the whole market), zero-filled, with velocity and acceleration of those products (or the ${TRENDS.leaders} fastest)`,
      description: 'A point whose bucket can still receive on-time events (its end is after watermark − allowed lateness) has partial: true; it is not a complete value.',
    },
  }, async (req, reply) => {
    const q = req.query;
    return sendCached(ctx, req, reply, `trends:${JSON.stringify(q)}`, Trends, async () => {
      const s = ctx.services!;
      const now = s.clock.now();
      return getTrends(s.ch, now, await getEventTime(s.ch, now, ctx.config.allowedLatenessMs), {
        // The schema's patterns have checked both lists item by item.
        metrics: (q.metrics ?? 'views').split(',') as SeriesMetric[], productIds: q.productIds?.split(','), interval: q.interval, from: q.from, to: q.to,
      });
    });
  });
};
