// The overview's products one period ago against a real chdb: a count is served again only while
// the daily rollup's parts that hold the days before the moment are the same; a late event, a
// rollup repair's row, a merge or the moment passing a midnight gives the count of the rows as
// they are now, and a live event after the moment's day reads nothing again.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.js';
import { migrateClickHouse, openClickHouse, type ClickHouseStore } from '../../core/stores/clickhouse.js';
import { getPreviousProducts, previousProductsQuery } from '../../api/queries/get-previous-products.js';
import { rows } from '../../api/queries/sql.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { watchQueries } from '../helpers/watch-queries.js';

const H = 3_600_000;
const D = 24 * H;
const T0 = Date.UTC(2026, 10, 20);
let dir: string;
let store: ClickHouseStore;
/** The store's client, counting the reads of the daily rollup's rows (the parts' names read none). */
let ch: ClickHouseStore['client'];
let computations = 0;

const event = (productId: string, ms: number, n: number) => ({
  eventId: `${productId}-${ms}-${n}`, ts: ms, productId, platform: 'tiktok', region: 'US', videoId: '',
  views: 1, likes: 0, shares: 0, comments: 0, orders: 0, revenue: 0, searches: 0, late: 0, ingestedAt: ms,
});
const write = (values: ReturnType<typeof event>[]) => store.client.insert({ table: TABLES.events, values, format: 'JSONEachRow' });
/** Unix seconds at `ms`. */
const sec = (ms: number) => Math.floor(ms / 1000);
/** The same count, from the rows every time. */
async function direct(prev: number) {
  const q = previousProductsQuery(prev);
  const [{ products }] = await rows<{ products: string | number }>(store.client, q.sql, q.params);
  return Number(products);
}
/** The kept count at `prev`, checked against SQL, and whether it was computed again. */
async function count(prev: number): Promise<{ products: number; computed: boolean }> {
  const before = computations;
  const products = await getPreviousProducts(ch, prev);
  expect(products).toBe(await direct(prev));
  return { products, computed: computations > before };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trenddrop-prev-products-'));
  store = await openClickHouse({ clickhouseUrl: '', dataDir: dir });
  await migrateClickHouse(store.client, createLogger('silent'));
  ch = watchQueries(store.client, (q) => { if (q.query.includes('min(bucket)')) computations++; });
});
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('previous period products', () => {
  it('follow every change to the days before the moment, and only those', async () => {
    // a first seen on day 0, b on day 2.
    await write([event('a', T0 + 5 * H, 1), event('a', T0 + 30 * H, 2), event('b', T0 + 2 * D + H, 1)]);
    expect(await count(sec(T0 + D + 12 * H))).toEqual({ products: 1, computed: true });
    // Later the same day: the same daily buckets are before it.
    expect(await count(sec(T0 + D + 20 * H))).toEqual({ products: 1, computed: false });

    // Live events after the moment's day, of a known and of a new product: nothing to read again.
    await write([event('a', T0 + 2 * D + 3 * H, 3), event('c', T0 + 2 * D + 4 * H, 1)]);
    expect(await count(sec(T0 + D + 20 * H))).toEqual({ products: 1, computed: false });

    // A late event of a new product on day 0.
    await write([event('d', T0 + 2 * H, 1)]);
    expect(await count(sec(T0 + D + 20 * H))).toEqual({ products: 2, computed: true });

    // A rollup repair's row, written to the daily rollup alone (its view's part was lost in a crash).
    await store.client.insert({
      table: TABLES.engagement1d, format: 'JSONEachRow',
      values: [{ productId: 'e', bucket: sec(T0 + D), region: 'US', platform: 'tiktok', events: 1, views: 1, likes: 0, shares: 0, comments: 0, orders: 0, revenue: 0, searches: 0 }],
    });
    expect(await count(sec(T0 + D + 20 * H))).toEqual({ products: 3, computed: true });

    // Merged: other parts, the same rows.
    await store.client.command({ query: `OPTIMIZE TABLE ${TABLES.engagement1d} FINAL` });
    expect(await count(sec(T0 + D + 20 * H))).toEqual({ products: 3, computed: true });
    expect(await count(sec(T0 + D + 21 * H))).toEqual({ products: 3, computed: false });

    // At midnight exactly, that day's products do not count yet (the count kept for the day before
    // holds); past it, they do.
    expect(await count(sec(T0 + 2 * D))).toEqual({ products: 3, computed: false });
    expect(await count(sec(T0 + 2 * D + H))).toEqual({ products: 5, computed: true });
  });
});
