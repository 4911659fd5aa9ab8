// Removes a product from a watchlist (whether or not it was there); 404 for an unknown list.
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../core/stores/postgres.js';
import { watchlistItems } from '../../schemas/postgres/schema.js';
import { watchlistOrThrow } from './watchlist-rows.js';

export async function removeWatchlistItem(db: Db, id: number, productId: string): Promise<void> {
  await watchlistOrThrow(db, id);
  await db.delete(watchlistItems).where(and(eq(watchlistItems.watchlistId, id), eq(watchlistItems.productId, productId)));
}
