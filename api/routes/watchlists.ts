// Watchlists: list, create, add and remove products.
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import type { ApiContext } from '../context.js';
import { addWatchlistItem } from '../queries/add-watchlist-item.js';
import { createWatchlist } from '../queries/create-watchlist.js';
import { listWatchlists } from '../queries/list-watchlists.js';
import { removeWatchlistItem } from '../queries/remove-watchlist-item.js';
import { WATCHLIST } from '../queries/watchlist-rows.js';

const WatchlistParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const WatchlistItemParams = Type.Object({ id: Type.Integer({ minimum: 1 }), productId: Type.String({ minLength: 1, maxLength: 128 }) });
const WatchlistsQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: WATCHLIST.pageMax, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});

export const watchlistRoutes = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  const services = () => ctx.services!;
  app.get('/watchlists', { schema: { tags: ['watchlists'], querystring: WatchlistsQuery, summary: `Watchlists with their product ids, oldest first (limit ≤ ${WATCHLIST.pageMax})` } }, async (req) => {
    return listWatchlists(services().db, req.query as Type.Static<typeof WatchlistsQuery>);
  });

  app.post('/watchlists', {
    schema: { tags: ['watchlists'], summary: 'Create a watchlist', body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }) }, { additionalProperties: false }), security: [{ apiKey: [] }] },
  }, async (req, reply) => {
    const { name } = req.body as { name: string };
    return reply.status(201).send(await createWatchlist(services().db, name));
  });

  app.post('/watchlists/:id/items', {
    schema: {
      tags: ['watchlists'], summary: `Add a product to a watchlist: 201 when added, 200 when it was there already (at most ${WATCHLIST.maxItems} products)`, params: WatchlistParams,
      body: Type.Object({ productId: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false }), security: [{ apiKey: [] }],
    },
  }, async (req, reply) => {
    const { id } = req.params as { id: number };
    const { productId } = req.body as { productId: string };
    const { list, added } = await addWatchlistItem(services(), id, productId);
    return reply.status(added ? 201 : 200).send(list);
  });

  app.delete('/watchlists/:id/items/:productId', {
    schema: { tags: ['watchlists'], summary: 'Remove a product from a watchlist (204 whether or not it was there)', params: WatchlistItemParams, security: [{ apiKey: [] }] },
  }, async (req, reply) => {
    const { id, productId } = req.params as { id: number; productId: string };
    await removeWatchlistItem(services().db, id, productId);
    return reply.status(204).send();
  });

};
