// GET alerts: breakout alerts, newest first, with cursor pagination.
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import type { ApiContext } from '../context.js';
import { listAlerts } from '../queries/list-alerts.js';

const Query = Type.Object({
  productId: Type.Optional(Type.String({ maxLength: 128 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});

export const alertRoutes = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  app.get('/alerts', { schema: { tags: ['alerts'], summary: 'Breakout alerts, newest first (limit ≤ 200)', querystring: Query } }, async (req) => {
    return listAlerts(ctx.services!.db, req.query as Type.Static<typeof Query>);
  });
};
