// Watchlists: list, create, add and remove products.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { ApiContext } from '../context.js';
import { addWatchlistItem } from '../queries/add-watchlist-item.js';
import { createWatchlist } from '../queries/create-watchlist.js';
import { listWatchlists } from '../queries/list-watchlists.js';
import { removeWatchlistItem } from '../queries/remove-watchlist-item.js';
import { errors, writeErrors } from '../schemas/common.js';
import { NewWatchlist, NewWatchlistItem, WATCHLIST, Watchlist, WatchlistItemParams, WatchlistPage, WatchlistParams, WatchlistsQuery } from '../schemas/watchlists.js';

export const watchlistRoutes = (ctx: ApiContext): FastifyPluginAsyncTypebox => async (app) => {
  const security = [{ apiKey: [] }];

  app.get('/watchlists', {
    schema: { tags: ['watchlists'], querystring: WatchlistsQuery, response: { 200: WatchlistPage, ...errors() }, summary: `Watchlists with their product ids, oldest first (limit ≤ ${WATCHLIST.pageMax})` },
  }, async (req) => listWatchlists(ctx.services!.db, req.query));

  app.post('/watchlists', {
    schema: { tags: ['watchlists'], summary: 'Create a watchlist', body: NewWatchlist, response: { 201: Watchlist, ...writeErrors() }, security },
  }, async (req, reply) => reply.status(201).send(await createWatchlist(ctx.services!.db, req.body.name)));

  app.post('/watchlists/:id/items', {
    schema: {
      tags: ['watchlists'], summary: `Add a product to a watchlist: 201 when added, 200 when it was there already (at most ${WATCHLIST.maxItems} products)`,
      params: WatchlistParams, body: NewWatchlistItem, response: { 200: Watchlist, 201: Watchlist, ...writeErrors(404) }, security,
    },
  }, async (req, reply) => {
    const { list, added } = await addWatchlistItem(ctx.services!, req.params.id, req.body.productId);
    return reply.status(added ? 201 : 200).send(list);
  });

  app.delete('/watchlists/:id/items/:productId', {
    schema: {
      tags: ['watchlists'], summary: 'Remove a product from a watchlist (204 whether or not it was there)', params: WatchlistItemParams,
      response: { 204: Type.Null({ description: 'Removed' }), ...writeErrors(404) }, security,
    },
  }, async (req, reply) => {
    await removeWatchlistItem(ctx.services!.db, req.params.id, req.params.productId);
    return reply.status(204).send(null);
  });
};
