// What the video queries share: per-video sums from the hourly video rollup, a keyset page over
// them, and the join with the videos' Postgres metadata.
import { inArray } from 'drizzle-orm';
import type { Db } from '../../core/stores/postgres.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { videos } from '../../schemas/postgres/schema.js';

// `videoPlatform`, not `platform`: the alias would replace the column in WHERE.
const VIDEO_SUMS = 'any(platform) AS videoPlatform, sum(views) AS views, sum(likes) AS likes, sum(shares) AS shares, sum(comments) AS comments';

/** Videos matching `where`, most viewed first; with `after`, strictly after the cursor's (views, videoId). */
export const videoSumsSql = (opts: { where: string; byProduct: boolean; after: boolean }) => `
SELECT ${opts.byProduct ? 'productId, ' : ''}videoId, ${VIDEO_SUMS}
FROM ${TABLES.videoEngagement1h}
WHERE ${opts.where}
GROUP BY ${opts.byProduct ? 'productId, ' : ''}videoId
${opts.after ? 'HAVING views < {cv:UInt64} OR (views = {cv:UInt64} AND videoId > {cid:String})' : ''}
ORDER BY views DESC, videoId LIMIT {limit:UInt32}`;

export interface VideoSums { videoId: string; productId?: string; videoPlatform: string; views: number; likes: number; shares: number; comments: number }

/** Cursor values of a video page: the views and id of its last video. */
export const VIDEO_CURSOR = ['count', 'string'] as const;

const num = (v: unknown) => Number(v ?? 0);

/** (likes + shares + comments) / views; 0 without views. */
const engagementRate = (v: VideoSums) => (num(v.views) > 0 ? (num(v.likes) + num(v.shares) + num(v.comments)) / num(v.views) : 0);

export interface VideoItem {
  videoId: string; productId?: string; platform: string; title: string | null; url: string | null; creator: string | null; publishedAt: string | null;
  durationSec: number | null; hashtags: string[]; views: number; likes: number; shares: number; comments: number; engagementRate: number;
}

/** Engagement rows joined with their Postgres metadata (nulls where a video has none yet). */
export async function withVideoMetadata(db: Db, found: VideoSums[]): Promise<VideoItem[]> {
  const meta = found.length ? await db.select().from(videos).where(inArray(videos.videoId, found.map((v) => v.videoId))) : [];
  const byId = new Map(meta.map((m) => [m.videoId, m]));
  return found.map((v) => {
    const m = byId.get(v.videoId);
    return {
      videoId: v.videoId, ...(v.productId ? { productId: v.productId } : {}), platform: m?.platform ?? v.videoPlatform,
      title: m?.title ?? null, url: m?.url ?? null, creator: m?.creator ?? null, publishedAt: m?.publishedAt?.toISOString() ?? null,
      durationSec: m?.durationSec ?? null, hashtags: m?.hashtags ?? [],
      views: num(v.views), likes: num(v.likes), shares: num(v.shares), comments: num(v.comments), engagementRate: engagementRate(v),
    };
  });
}
