// What the read routes share: cached JSON with ETags.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiContext } from '../context.js';

/** Serves a cached JSON body; answers 304 when the client already holds this version. */
export async function sendCached(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply, key: string, compute: () => Promise<unknown>) {
  const { body, etag } = await ctx.cache.get(key, compute);
  reply.header('etag', etag).header('cache-control', 'no-cache');
  if (req.headers['if-none-match'] === etag) return reply.status(304).send();
  return reply.type('application/json; charset=utf-8').send(body);
}
