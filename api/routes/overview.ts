// GET overview: KPI cards (with the value one period earlier), the engagement timeline,
// categories, agent status and the top products.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.js';
import { getEventTime } from '../queries/get-event-time.js';
import { getOverview } from '../queries/get-overview.js';
import { errors } from '../schemas/common.js';
import { Overview, OverviewQuery, type Range } from '../schemas/overview.js';
import { sendCached } from './shared.js';

/** The dashboard's default range, which a first visit's page asks for before anything else (dashboard/index.html). */
export const LANDING_RANGE: Range = '24h';

const overviewKey = (range: Range) => `overview:${range}`;

/** The overview of a range as the cache computes it, in the background too: it reads the clock itself. */
const computeOverview = (ctx: ApiContext, range: Range) => async () => {
  const s = ctx.services!;
  const now = s.clock.now();
  // The watermark is read beside the overview's other reads: only the timeline's still-filling steps need it.
  return getOverview({ ch: s.ch, productIndex: s.productIndex, now, time: getEventTime(s.ch, now, ctx.config.allowedLatenessMs), agentStatus: s.agentStatus }, range);
};

/**
 * The landing overview kept warm from the moment the services are up, not from a first request:
 * a visitor who opens the dashboard then meets a computed answer, not its first computation.
 */
export function keepLandingOverviewWarm(ctx: ApiContext): void {
  ctx.cache.pin(overviewKey(LANDING_RANGE), computeOverview(ctx, LANDING_RANGE));
}

export const overviewRoutes = (ctx: ApiContext): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/overview', {
    schema: {
      tags: ['analytics'], summary: 'KPIs, timeline (a still-filling step has partial: true), categories, agent status, top products',
      querystring: OverviewQuery, response: { 200: Overview, ...errors() },
    },
  }, async (req, reply) => {
    const { range = LANDING_RANGE } = req.query;
    // Kept warm: the dashboard's landing request, and under a live stream stale at almost every request.
    return sendCached(ctx, req, reply, overviewKey(range), Overview, computeOverview(ctx, range), { warm: true });
  });
};
