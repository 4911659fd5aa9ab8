// POST events / products / videos: one object, an array, or NDJSON. 202 with the count
// accepted and every reject; 400 when nothing is valid; 413 past the documented limits.
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { EngagementEvent, ProductMessage, VideoMessage } from '../../schemas/events.js';
import { INGEST_LIMITS, type IngestKind } from '../../ingest/accept.js';
import type { ApiContext } from '../context.js';
import { writeErrors } from '../schemas/common.js';
import { AcceptResult } from '../schemas/ingest.js';

const route = (ctx: ApiContext, kind: IngestKind, item: object, summary: string): FastifyPluginAsync => async (app) => {
  app.post(`/${kind}`, {
    schema: {
      tags: ['ingest'], summary,
      description: `Body: one object, an array, or NDJSON (application/x-ndjson). At most ${INGEST_LIMITS.batchItems} items and ${INGEST_LIMITS.bodyBytes} bytes.`,
      security: ctx.config.apiKeys.length ? [{ apiKey: [] }] : [],
      // Documented, not enforced by Fastify: items are checked one by one so valid ones are kept.
      body: { oneOf: [item, Type.Array(item)] },
      response: { 202: AcceptResult, ...writeErrors(413, 415) },
    },
    validatorCompiler: () => () => true,
  }, async (req, reply) => {
    const result = await ctx.services!.ingestor.accept(kind, req.body);
    return reply.status(202).send(result);
  });
};

export const ingestRoutes = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  await app.register(route(ctx, 'events', EngagementEvent, 'Ingest engagement events (eventId is the idempotency key)'));
  await app.register(route(ctx, 'products', ProductMessage, 'Create or update products'));
  await app.register(route(ctx, 'videos', VideoMessage, 'Create or update videos'));
};
