// The videos that drove engagement to one product, most viewed first, a keyset page at a time.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Db } from '../../core/stores/postgres.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { rows } from './sql.js';
import { VIDEO_CURSOR, videoSumsSql, withVideoMetadata, type VideoSums } from './video-engagement.js';

export async function listProductVideos(d: { ch: ClickHouseClient; db: Db }, id: string, q: { limit?: number; cursor?: string }) {
  const limit = q.limit ?? 20;
  const after = decodeCursor(q.cursor, VIDEO_CURSOR);
  const found = await rows<VideoSums>(d.ch, videoSumsSql({ where: 'productId = {id:String}', byProduct: false, after: !!after }),
    { id, limit: limit + 1, ...(after ? { cv: after[0], cid: after[1] } : {}) });
  const page = found.slice(0, limit);
  const last = page[page.length - 1];
  return { items: await withVideoMetadata(d.db, page), nextCursor: found.length > limit && last ? encodeCursor([Number(last.views), last.videoId]) : null };
}
