// GET alerts: breakout alerts, newest first, with cursor pagination.
import type { FastifyPluginAsync } from 'fastify';
import { and, desc, eq, lt, or } from 'drizzle-orm';
import Type from 'typebox';
import { alerts } from '../../schemas/postgres/schema.js';
import type { ApiContext, Services } from '../context.js';
import { decodeCursor, encodeCursor } from './shared.js';

const Query = Type.Object({
  productId: Type.Optional(Type.String({ maxLength: 128 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});

export async function latestAlerts(s: Services, limit: number, productId?: string, cursor?: string) {
  const after = decodeCursor(cursor, 2) as [string, number] | null;
  const where = and(
    productId ? eq(alerts.productId, productId) : undefined,
    after ? or(lt(alerts.createdAt, new Date(after[0])), and(eq(alerts.createdAt, new Date(after[0])), lt(alerts.alertId, after[1]))) : undefined,
  );
  const found = await s.db.select().from(alerts).where(where).orderBy(desc(alerts.createdAt), desc(alerts.alertId)).limit(limit + 1);
  return found.map((a) => ({ ...a, createdAt: a.createdAt.toISOString() }));
}

export const alertRoutes = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  app.get('/alerts', { schema: { tags: ['alerts'], summary: 'Breakout alerts, newest first (limit ≤ 200)', querystring: Query } }, async (req) => {
    const q = req.query as Type.Static<typeof Query>;
    const limit = q.limit ?? 50;
    const found = await latestAlerts(ctx.services!, limit, q.productId, q.cursor);
    const page = found.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page, nextCursor: found.length > limit && last ? encodeCursor([last.createdAt, last.alertId]) : null };
  });
};
