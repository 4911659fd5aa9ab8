// GET overview: KPI cards (with the value one period earlier), the engagement timeline,
// categories, agent status and the top products.
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { getEventTime } from '../queries/get-event-time.js';
import { getOverview, type Range } from '../queries/get-overview.js';
import type { ApiContext } from '../context.js';
import { sendCached } from './shared.js';

const Query = Type.Object({ range: Type.Optional(Type.Enum(['1h', '24h', '7d', '30d'] as const, { default: '24h', description: 'Period of the timeline and of the KPI comparison' })) });

export const overviewRoutes = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  app.get('/overview', { schema: { tags: ['analytics'], summary: 'KPIs, timeline (a still-filling step has partial: true), categories, agent status, top products', querystring: Query } }, async (req, reply) => {
    const { range = '24h' } = req.query as { range?: Range };
    return sendCached(ctx, req, reply, `overview:${range}`, async () => {
      const s = ctx.services!;
      const now = s.clock.now();
      return getOverview({ ch: s.ch, now, time: await getEventTime(s.ch, now, ctx.config.allowedLatenessMs), agentStatus: s.agentStatus }, range);
    });
  });
};
