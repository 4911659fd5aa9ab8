// Video analytics for a period: top videos (a keyset page), totals per platform, and the
// hashtags, posting hour (UTC) and duration of the most viewed videos.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Db } from '../../core/stores/postgres.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import type { Platform } from '../../schemas/events.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { IN_BUCKET_RANGE, rows } from './sql.js';
import { bucketRange, MARKET_RANGE } from './time-range.js';
import { VIDEO_CURSOR, videoSumsSql, withVideoMetadata, type VideoItem, type VideoSums } from './video-engagement.js';

export const VIDEO_INSIGHT = {
  /** Hashtags, posting hour and duration are read from the metadata of this many top videos of the period. */
  videos: 1000,
  hashtags: 20,
  durations: [[15, '<15 s'], [30, '15–30 s'], [60, '30–60 s'], [180, '1–3 min'], [600, '3–10 min'], [Infinity, '>10 min']] as const,
};

const PERIOD = `${IN_BUCKET_RANGE} AND ({platform:String} = '' OR platform = {platform:String})`;

const PLATFORMS_SQL = `
SELECT platform, uniqExact(videoId) AS videos, sum(views) AS views, sum(likes) + sum(shares) + sum(comments) AS interactions
FROM ${TABLES.videoEngagement1h}
WHERE ${PERIOD}
GROUP BY platform ORDER BY views DESC, platform`;

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

function videoInsights(top: VideoItem[]) {
  const tags = new Map<string, { videos: number; views: number }>();
  const hours = Array.from({ length: 24 }, (_, hour) => ({ hour, videos: 0, views: 0 }));
  const durations = VIDEO_INSIGHT.durations.map(([, bucket]) => ({ bucket, videos: 0, rates: 0 }));
  for (const v of top) {
    for (const tag of new Set(v.hashtags.map((h) => h.replace(/^#/, '').toLowerCase()))) {
      const t = tags.get(tag) ?? { videos: 0, views: 0 };
      t.videos++;
      t.views += v.views;
      tags.set(tag, t);
    }
    if (v.publishedAt) {
      const h = hours[new Date(v.publishedAt).getUTCHours()];
      h.videos++;
      h.views += v.views;
    }
    if (v.durationSec !== null) {
      const d = durations[VIDEO_INSIGHT.durations.findIndex(([upTo]) => v.durationSec! < upTo)];
      d.videos++;
      d.rates += v.engagementRate;
    }
  }
  return {
    hashtags: [...tags].map(([tag, t]) => ({ tag, ...t })).sort((a, b) => b.views - a.views || a.tag.localeCompare(b.tag)).slice(0, VIDEO_INSIGHT.hashtags),
    byHour: hours.map((h) => ({ hour: h.hour, videos: h.videos, avgViews: ratio(h.views, h.videos) })),
    byDuration: durations.map((d) => ({ bucket: d.bucket, videos: d.videos, avgEngagementRate: ratio(d.rates, d.videos) })),
  };
}

export interface VideoAnalyticsParams { platform?: Platform; from?: string; to?: string; limit?: number; cursor?: string }

export async function getVideoAnalytics(d: { ch: ClickHouseClient; db: Db; now: number }, q: VideoAnalyticsParams) {
  const { from, to } = bucketRange(q, d.now, 3600, MARKET_RANGE.defaultSpanSec);
  const limit = q.limit ?? 20;
  const after = decodeCursor(q.cursor, VIDEO_CURSOR);
  const params = { from, to, platform: q.platform ?? '' };
  const [found, platforms, top] = await Promise.all([
    rows<VideoSums>(d.ch, videoSumsSql({ where: PERIOD, byProduct: true, after: !!after }), { ...params, limit: limit + 1, ...(after ? { cv: after[0], cid: after[1] } : {}) }),
    rows<{ platform: string; videos: number; views: number; interactions: number }>(d.ch, PLATFORMS_SQL, params),
    rows<VideoSums>(d.ch, videoSumsSql({ where: PERIOD, byProduct: true, after: false }), { ...params, limit: VIDEO_INSIGHT.videos }),
  ]);
  const page = found.slice(0, limit);
  const last = page[page.length - 1];
  const n = (v: unknown) => Number(v ?? 0);
  return {
    items: await withVideoMetadata(d.db, page),
    nextCursor: found.length > limit && last ? encodeCursor([n(last.views), last.videoId]) : null,
    byPlatform: platforms.map((p) => ({ platform: p.platform, videos: n(p.videos), views: n(p.views), engagementRate: ratio(n(p.interactions), n(p.views)) })),
    ...videoInsights(await withVideoMetadata(d.db, top)),
  };
}
