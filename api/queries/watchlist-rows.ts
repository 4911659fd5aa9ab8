// What the watchlist queries share: their limits, a list with its products, a list or a 404.
import { asc, eq, inArray } from 'drizzle-orm';
import { NotFoundError } from '../../core/errors.js';
import type { Db } from '../../core/stores/postgres.js';
import { watchlistItems, watchlists } from '../../schemas/postgres/schema.js';

import type { Watchlist } from '../schemas/watchlists.js';

export type { Watchlist };

export async function withItems(db: Db, lists: (typeof watchlists.$inferSelect)[]): Promise<Watchlist[]> {
  const items = lists.length
    ? await db.select().from(watchlistItems).where(inArray(watchlistItems.watchlistId, lists.map((l) => l.watchlistId))).orderBy(asc(watchlistItems.addedAt), asc(watchlistItems.productId))
    : [];
  return lists.map((l) => ({
    watchlistId: l.watchlistId, name: l.name, createdAt: l.createdAt.toISOString(),
    productIds: items.filter((i) => i.watchlistId === l.watchlistId).map((i) => i.productId),
  }));
}

export async function watchlistOrThrow(db: Db, id: number) {
  const [list] = await db.select().from(watchlists).where(eq(watchlists.watchlistId, id)).limit(1);
  if (!list) throw new NotFoundError('watchlist', String(id));
  return list;
}
