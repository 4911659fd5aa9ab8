// Videos: the videos behind one product, and video analytics across the market.
import Type from 'typebox';
import { PLATFORMS } from '../../schemas/events.js';
import { Cursor, Iso, Nullable, Page, TimeRange } from './common.js';

export const VideosPage = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Cursor(500),
};
export const ProductVideosQuery = Type.Object(VideosPage);
export const VideoAnalyticsQuery = Type.Object({ platform: Type.Optional(Type.Enum(PLATFORMS)), ...TimeRange, ...VideosPage });
export type VideoAnalyticsQuery = Type.Static<typeof VideoAnalyticsQuery>;

export const Video = Type.Object({
  videoId: Type.String(), productId: Type.Optional(Type.String()), platform: Type.String(), title: Nullable(Type.String()), url: Nullable(Type.String()),
  creator: Nullable(Type.String()), publishedAt: Nullable(Iso()), durationSec: Nullable(Type.Number()), hashtags: Type.Array(Type.String()),
  views: Type.Number(), likes: Type.Number(), shares: Type.Number(), comments: Type.Number(), engagementRate: Type.Number(),
});
export type Video = Type.Static<typeof Video>;
export const VideoPage = Page(Video);

export const VideoAnalytics = Type.Object({
  ...VideoPage.properties,
  byPlatform: Type.Array(Type.Object({ platform: Type.String(), videos: Type.Number(), views: Type.Number(), engagementRate: Type.Number() })),
  hashtags: Type.Array(Type.Object({ tag: Type.String(), videos: Type.Number(), views: Type.Number() })),
  byHour: Type.Array(Type.Object({ hour: Type.Integer(), videos: Type.Number(), avgViews: Type.Number() })),
  byDuration: Type.Array(Type.Object({ bucket: Type.String(), videos: Type.Number(), avgEngagementRate: Type.Number() })),
});
export type VideoAnalytics = Type.Static<typeof VideoAnalytics>;
