// A new, empty watchlist.
import type { Db } from '../../core/stores/postgres.js';
import { watchlists } from '../../schemas/postgres/schema.js';
import { withItems, type Watchlist } from './watchlist-rows.js';

export async function createWatchlist(db: Db, name: string): Promise<Watchlist> {
  const [list] = await db.insert(watchlists).values({ name: name.trim() }).returning();
  return (await withItems(db, [list]))[0];
}
