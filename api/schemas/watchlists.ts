// Watchlists.
import Type from 'typebox';
import { Cursor, Id, Iso, Page } from './common.js';

export const WATCHLIST = { maxItems: 1000, pageMax: 100 };

export const WatchlistsQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: WATCHLIST.pageMax, default: 50 })), cursor: Cursor(200) });
export const WatchlistParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 }) });
export const WatchlistItemParams = Type.Object({ ...WatchlistParams.properties, productId: Id('Product id') });
export const NewWatchlist = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }) }, { additionalProperties: false });
export const NewWatchlistItem = Type.Object({ productId: Id('Product id') }, { additionalProperties: false });

export const Watchlist = Type.Object({ watchlistId: Type.Integer(), name: Type.String(), createdAt: Iso(), productIds: Type.Array(Type.String()) });
export type Watchlist = Type.Static<typeof Watchlist>;
export const WatchlistPage = Page(Watchlist);
