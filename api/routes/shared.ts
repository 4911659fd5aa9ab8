// What the read routes share: cached JSON with ETags.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type Type from 'typebox';
import type { ApiContext } from '../context.js';

/**
 * Serves a cached JSON body; answers 304 when the client already holds this version. The body is
 * serialised once per cache entry (JSON.stringify, then sent as text, so the response schema
 * neither re-serialises nor strips it); `schema` is the 200 response the route declares, and
 * `compute` must produce exactly that type. With `warm`, the cache reruns `compute` in the background
 * (api/cache.ts), so it must read the clock itself rather than take a time of the request's.
 */
export async function sendCached<S extends Type.TSchema>(ctx: ApiContext, req: FastifyRequest, reply: FastifyReply, key: string, _schema: S, compute: () => Promise<Type.Static<S>>, o: { warm?: boolean } = {}) {
  const { body, etag } = await ctx.cache.get(key, compute, o);
  reply.header('etag', etag).header('cache-control', 'no-cache');
  if (req.headers['if-none-match'] === etag) return reply.status(304).send();
  return reply.type('application/json; charset=utf-8').send(body);
}
