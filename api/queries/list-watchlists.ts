// Watchlists with their products, oldest first, a keyset page at a time.
import { asc, gt } from 'drizzle-orm';
import type { Db } from '../../core/stores/postgres.js';
import { watchlists } from '../../schemas/postgres/schema.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { withItems } from './watchlist-rows.js';

export async function listWatchlists(db: Db, q: { limit?: number; cursor?: string }) {
  const limit = q.limit ?? 50;
  const after = decodeCursor(q.cursor, ['count'] as const);
  const found = await db.select().from(watchlists).where(after ? gt(watchlists.watchlistId, after[0]) : undefined).orderBy(asc(watchlists.watchlistId)).limit(limit + 1);
  const page = found.slice(0, limit);
  const last = page[page.length - 1];
  return { items: await withItems(db, page), nextCursor: found.length > limit && last ? encodeCursor([last.watchlistId]) : null };
}
