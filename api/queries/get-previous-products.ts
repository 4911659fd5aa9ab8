// The overview's products one period ago: those first seen (the daily rollup's earliest bucket,
// its `first_seen` projection) before that moment. That reads a row per product (100k), the
// largest share of the overview's time, yet the count changes only when a product gains an
// earlier first day or the moment passes a midnight. So the count is kept per store with the
// names of the daily rollup's parts that can hold a day before the moment: every write there
// (an event, a late event, a rollup repair) adds a part with a new name, and a merge replaces
// names, so while they are the same, so are the rows the count came from.
import type { ClickHouseClient } from '@clickhouse/client';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { keptPerStore } from './kept.js';
import { partsQuery } from './parts.js';
import { rows, type BoundQuery } from './sql.js';

const DAY = 86_400;

const COUNT_SQL = `
SELECT countIf(first < toDateTime({prev:UInt32})) AS products
FROM (SELECT productId, min(bucket) AS first FROM ${TABLES.engagement1d} GROUP BY productId)`;

export const previousProductsQuery = (prev: number): BoundQuery => ({ sql: COUNT_SQL, params: { prev } });

/**
 * The first day start at or after `prev` (unix seconds): the daily buckets before `prev` are the
 * ones before it, so the count is the same for every moment up to it.
 */
const cutOff = (prev: number) => Math.ceil(prev / DAY) * DAY;
export const previousProductsPartsQuery = (prev: number): BoundQuery => partsQuery(TABLES.engagement1d, { to: cutOff(prev) });

/** Per store: counts by cut-off and the parts they came from. */
const counts = keptPerStore<number>();

/** Products first seen before `prev` (unix seconds). */
export async function getPreviousProducts(ch: ClickHouseClient, prev: number): Promise<number> {
  // The parts are read before the count: a count is never labelled with parts older than its rows.
  const p = previousProductsPartsQuery(prev);
  const [{ parts }] = await rows<{ parts: string }>(ch, p.sql, p.params);
  const key = `${cutOff(prev)}|${parts}`;
  const known = counts.get(ch, key);
  if (known !== undefined) return known;
  const q = previousProductsQuery(prev);
  const [{ products }] = await rows<{ products: number | string }>(ch, q.sql, q.params);
  return counts.set(ch, key, Number(products));
}
