// GET trends: metrics on one time axis with the velocity of the products behind them.
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import type { ApiContext } from '../context.js';
import { getEventTime } from '../queries/get-event-time.js';
import { getTrends, SERIES_METRICS, TRENDS, type SeriesMetric } from '../queries/get-trends.js';
import type { Interval } from '../queries/time-range.js';
import { IntervalParam, TimeRange } from '../schemas/params.js';
import { sendCached } from './shared.js';

const listPattern = (items: readonly string[]) => `^(${items.join('|')})(,(${items.join('|')}))*$`;

const TrendsQuery = Type.Object({
  metrics: Type.Optional(Type.String({ pattern: listPattern(SERIES_METRICS), default: 'views', description: `Comma list of ${SERIES_METRICS.join(', ')}` })),
  interval: Type.Optional(IntervalParam),
  ...TimeRange,
  productIds: Type.Optional(Type.String({ maxLength: TRENDS.maxProducts * 129, pattern: '^[^,\\s]+(,[^,\\s]+)*$', description: `Comma list of at most ${TRENDS.maxProducts} products; default the whole market` })),
});

export const trendRoutes = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  const services = () => ctx.services!;
  app.get('/trends', {
    schema: {
      tags: ['analytics'], querystring: TrendsQuery,
      summary: `Metrics on one time axis (summed over the given products, or the whole market), zero-filled, with velocity and acceleration of those products (or the ${TRENDS.leaders} fastest)`,
      description: 'A point whose bucket can still receive on-time events (its end is after watermark − allowed lateness) has partial: true; it is not a complete value.',
    },
  }, async (req, reply) => {
    const q = req.query as Type.Static<typeof TrendsQuery>;
    return sendCached(ctx, req, reply, `trends:${JSON.stringify(q)}`, async () => getTrends(services().ch, services().clock.now(), await getEventTime(services().ch, services().clock.now(), ctx.config.allowedLatenessMs), {
      metrics: (q.metrics ?? 'views').split(',') as SeriesMetric[], productIds: q.productIds ? q.productIds.split(',') : undefined,
      interval: q.interval as Interval | undefined, from: q.from, to: q.to,
    }));
  });

};
