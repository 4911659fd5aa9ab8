// Liveness (`health`: the process answers) and readiness (`ready`: every store is up).
import type { FastifyPluginAsync } from 'fastify';
import type { ApiContext } from '../context.js';

const started = Date.now();

export const healthRoutes = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  app.get('/health', { schema: { tags: ['ops'], summary: 'Liveness: the process is up' } }, async () => ({ status: 'ok', uptimeSec: Math.round((Date.now() - started) / 1000) }));
  app.get('/ready', { schema: { tags: ['ops'], summary: 'Readiness: 200 when bus and stores are up, else 503 with each component state' } }, async (_req, reply) => {
    const ready = ctx.readiness.ready && ctx.services !== null;
    return reply.status(ready ? 200 : 503).send({ ready, components: ctx.readiness.toJSON() });
  });
};
