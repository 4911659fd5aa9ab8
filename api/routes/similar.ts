// GET products/:id/similar: products like this one by text and by the shape of their engagement.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.js';
import { assertProduct } from '../queries/has-product.js';
import { listSimilarProducts, ProductTextIndex, SIMILAR } from '../queries/list-similar-products.js';
import { errors, IdParams } from '../schemas/common.js';
import { SimilarProducts } from '../schemas/similar.js';
import { sendCached } from './shared.js';

export const similarRoutes = (ctx: ApiContext): FastifyPluginAsyncTypebox => async (app) => {
  let texts: ProductTextIndex | null = null;

  app.get('/products/:id/similar', {
    schema: {
      tags: ['analytics'], params: IdParams, response: { 200: SimilarProducts, ...errors(404) },
      summary: `Up to ${SIMILAR.results} similar products: TF-IDF text similarity (title, tags, category) re-ranked by the shape of the last 7 days of engagement`,
      description: `similarity = ${SIMILAR.textWeight}·text cosine + ${SIMILAR.shapeWeight}·max(0, shape r); score is the product's latest trend score.`,
    },
  }, async (req, reply) => {
    const { id } = req.params;
    return sendCached(ctx, req, reply, `similar:${id}`, SimilarProducts, async () => {
      const s = ctx.services!;
      await assertProduct(s.ch, id);
      texts ??= new ProductTextIndex(s.ch);
      return { items: await listSimilarProducts({ ch: s.ch, now: s.clock.now(), texts }, id) };
    });
  });
};
