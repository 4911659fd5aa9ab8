// Adds a known product to a watchlist, up to its limit.
import type { ClickHouseClient } from '@clickhouse/client';
import { ValidationError } from '../../core/errors.js';
import type { Db } from '../../core/stores/postgres.js';
import { watchlistItems } from '../../schemas/postgres/schema.js';
import { hasProduct } from './has-product.js';
import { WATCHLIST } from '../schemas/watchlists.js';
import { watchlistOrThrow, withItems, type Watchlist } from './watchlist-rows.js';

/** The list afterwards; `added` is false when the product was there already. */
export async function addWatchlistItem(d: { ch: ClickHouseClient; db: Db }, id: number, productId: string): Promise<{ list: Watchlist; added: boolean }> {
  const list = await watchlistOrThrow(d.db, id);
  if (!(await hasProduct(d.ch, productId))) throw new ValidationError('unknown product', [{ field: 'productId', reason: `no product ${productId}` }]);
  const [current] = await withItems(d.db, [list]);
  if (current.productIds.includes(productId)) return { list: current, added: false };
  if (current.productIds.length >= WATCHLIST.maxItems) throw new ValidationError('watchlist is full', [{ field: 'productId', reason: `a watchlist holds at most ${WATCHLIST.maxItems} products` }]);
  await d.db.insert(watchlistItems).values({ watchlistId: id, productId }).onConflictDoNothing();
  return { list: (await withItems(d.db, [list]))[0], added: true };
}
