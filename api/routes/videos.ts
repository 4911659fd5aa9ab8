// Videos: the videos behind one product, and video analytics across the market.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ApiContext } from '../context.js';
import { getVideoAnalytics, VIDEO_INSIGHT } from '../queries/get-video-analytics.js';
import { assertProduct } from '../queries/has-product.js';
import { listProductVideos } from '../queries/list-product-videos.js';
import { errors, IdParams } from '../schemas/common.js';
import { ProductVideosQuery, VideoAnalytics, VideoAnalyticsQuery, VideoPage } from '../schemas/videos.js';
import { sendCached } from './shared.js';

export const videoRoutes = (ctx: ApiContext): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/products/:id/videos', {
    schema: {
      tags: ['analytics'], params: IdParams, querystring: ProductVideosQuery, response: { 200: VideoPage, ...errors(404) },
      summary: 'Videos that drove engagement to the product, most viewed first (limit ≤ 100); engagementRate = (likes + shares + comments) / views',
    },
  }, async (req, reply) => {
    const { id } = req.params;
    const q = req.query;
    return sendCached(ctx, req, reply, `product-videos:${id}:${JSON.stringify(q)}`, VideoPage, async () => {
      const s = ctx.services!;
      const [, page] = await Promise.all([assertProduct(s.ch, id), listProductVideos(s, id, q)]);
      return page;
    });
  });

  app.get('/videos', {
    schema: {
      tags: ['analytics'], querystring: VideoAnalyticsQuery, response: { 200: VideoAnalytics, ...errors() },
      summary: 'Video analytics for a period (default: the last 7 days): top videos (paginated, limit ≤ 100), totals per platform, and hashtags, posting hour (UTC) and duration of the top videos',
      description: `Hashtags, byHour and byDuration cover the ${VIDEO_INSIGHT.videos} most viewed videos of the period that have metadata. engagementRate = (likes + shares + comments) / views.`,
    },
  }, async (req, reply) => {
    const q = req.query;
    return sendCached(ctx, req, reply, `videos:${JSON.stringify(q)}`, VideoAnalytics, async () => {
      const s = ctx.services!;
      return getVideoAnalytics({ ch: s.ch, db: s.db, now: s.clock.now() }, q);
    });
  });
};
