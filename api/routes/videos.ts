// Videos: the videos behind one product, and video analytics across the market.
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import type { ApiContext } from '../context.js';
import { PLATFORMS } from '../../schemas/events.js';
import { getVideoAnalytics, VIDEO_INSIGHT, type VideoAnalyticsParams } from '../queries/get-video-analytics.js';
import { assertProduct } from '../queries/has-product.js';
import { listProductVideos } from '../queries/list-product-videos.js';
import { IdParams, TimeRange } from '../schemas/params.js';
import { sendCached } from './shared.js';

const VideosPage = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ maxLength: 500, description: 'nextCursor of the previous page' })),
};

const VideoAnalyticsQuery = Type.Object({
  platform: Type.Optional(Type.Enum(PLATFORMS)),
  ...TimeRange,
  ...VideosPage,
});

export const videoRoutes = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  const services = () => ctx.services!;
  app.get('/products/:id/videos', {
    schema: { tags: ['analytics'], params: IdParams, querystring: Type.Object(VideosPage), summary: 'Videos that drove engagement to the product, most viewed first (limit ≤ 100); engagementRate = (likes + shares + comments) / views' },
  }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const q = req.query as { limit?: number; cursor?: string };
    return sendCached(ctx, req, reply, `product-videos:${id}:${JSON.stringify(q)}`, async () => {
      const s = services();
      const [, page] = await Promise.all([assertProduct(s.ch, id), listProductVideos(s, id, q)]);
      return page;
    });
  });

  app.get('/videos', {
    schema: {
      tags: ['analytics'], querystring: VideoAnalyticsQuery,
      summary: 'Video analytics for a period (default: the last 7 days): top videos (paginated, limit ≤ 100), totals per platform, and hashtags, posting hour (UTC) and duration of the top videos',
      description: `Hashtags, byHour and byDuration cover the ${VIDEO_INSIGHT.videos} most viewed videos of the period that have metadata. engagementRate = (likes + shares + comments) / views.`,
    },
  }, async (req, reply) => {
    const q = req.query as VideoAnalyticsParams;
    return sendCached(ctx, req, reply, `videos:${JSON.stringify(q)}`, async () => {
      const s = services();
      return getVideoAnalytics({ ch: s.ch, db: s.db, now: s.clock.now() }, q);
    });
  });

};
