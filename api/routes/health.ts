// `health`: 200 once this process serves requests (503 while its stores start), so a client
// or orchestrator that waits for it can use the API at once. `ready`: 200 only while every
// dependency is up right now (bus, ClickHouse, Postgres), with each component's state.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Health, Ready } from '../schemas/ops.js';
import type { ApiContext } from '../context.js';

const started = Date.now();

export const healthRoutes = (ctx: ApiContext): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/health', { schema: { tags: ['ops'], summary: 'Serving: 200 once started, 503 while the stores start', response: { 200: Health, 503: Health } } }, async (_req, reply) => {
    const serving = ctx.services !== null;
    return reply.status(serving ? 200 : 503).send({ status: serving ? 'ok' : 'starting', uptimeSec: Math.round((Date.now() - started) / 1000) });
  });
  app.get('/ready', { schema: { tags: ['ops'], summary: 'Readiness: 200 when bus and stores are up, else 503 with each component state', response: { 200: Ready, 503: Ready } } }, async (_req, reply) => {
    const ready = ctx.readiness.ready && ctx.services !== null;
    return reply.status(ready ? 200 : 503).send({ ready, components: ctx.readiness.toJSON() });
  });
};
