// Per category: products, views since `from` and the average latest trend score. The product
// index, once loaded, counts the products and their scores and puts each product's views (from
// the hourly rollup) in its category: joining them to `products FINAL` in SQL cost more than the
// rest of the overview together (62 / 224 ms p50 / p95 at 100k products). Those sums are kept
// while the hours they cover take no events (see viewsSince).
import type { ClickHouseClient } from '@clickhouse/client';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import type { ProductIndex } from '../product-index.js';
import { hoursIn, readHourlyEvents, type HourlyEvents } from './hourly-events.js';
import { compareStrings } from './list-products.js';
import { latestProductsSql, latestScoresSql, rows, type BoundQuery } from './sql.js';

/** Views per product since `from`, and before `to` when `until` (unix seconds). */
const viewsSql = (until: boolean) =>
  `SELECT productId, sum(views) AS views FROM ${TABLES.engagement1h} WHERE bucket >= toDateTime({from:UInt32})${until ? ' AND bucket < toDateTime({to:UInt32})' : ''} GROUP BY productId`;

const CATEGORIES_SQL = `
SELECT p.category AS category, count() AS products, sum(e.views) AS views, round(ifNotFinite(avg(s.score), 0), 1) AS avgScore
FROM (${latestProductsSql(['category'])}) AS p
LEFT JOIN (${viewsSql(false)}) AS e USING productId
LEFT JOIN (${latestScoresSql()}) AS s USING productId
GROUP BY category ORDER BY views DESC, category
SETTINGS join_use_nulls = 1`;

export interface CategoryStats { category: string; products: number; views: number; avgScore: number }

export const categoryStatsQuery = (from: number): BoundQuery => ({ sql: CATEGORIES_SQL, params: { from } });
/**
 * Views per product since `from` (before `to` when given), summed per category: one row of two
 * arrays, parsed at once rather than a row per product.
 */
export const productViewsQuery = (from: number, to?: number): BoundQuery => ({
  sql: `SELECT groupArray(productId) AS ids, groupArray(views) AS views FROM (${viewsSql(to !== undefined)})`,
  params: to === undefined ? { from } : { from, to },
});

/** Views per product in one hour (unix seconds). */
export const hourViewsQuery = (hour: number): BoundQuery => productViewsQuery(hour, hour + 3600);

/**
 * Views per category over the hours before `to`, valid while those hours are the ones that hold
 * events (`events`, by hour, with their counts) and the index's categories are at `version`. The
 * rollups only ever gain rows (every event adds at least one to its hour's count; a rollup
 * repair's delta restores whole events, so it does too; nothing deletes from the hourly rollup),
 * so hours whose counts are unchanged hold the same views as when summed.
 */
interface Sums { to: number; events: Map<number, number>; version: number; views: Map<string, number> }
/**
 * Per index: the settled block of each `from` in use (a few: one per range) and the newest hours,
 * each on its own. The newest hours take the live events (and most late ones), so a request
 * re-reads those, not the whole range; an event in an older hour, a category change or the range
 * moving by an hour re-reads the block (as every request did before).
 */
const kept = new WeakMap<ProductIndex, { blocks: Map<number, Sums>; hours: Map<number, Sums> }>();
const NEWEST_HOURS = 2;
const KEPT_BLOCKS = 8;

/**
 * Whether `s` holds the views of exactly these hours (with these event counts), up to `to`, at
 * `version`. Rows that landed between the summary and the read of `s` are in an hour before its
 * `to` that its label lacks: the next summary has that hour, so `s` no longer holds.
 */
const holds = (s: Sums | undefined, to: number, hours: readonly number[], events: ReadonlyMap<number, number>, version: number): s is Sums =>
  !!s && s.to === to && s.version === version && s.events.size === hours.length && hours.every((h) => s.events.get(h) === events.get(h));

/** Reads views per product over [from, to) and sums them per category. */
async function read(ch: ClickHouseClient, index: ProductIndex, from: number, to: number, hours: readonly number[], events: ReadonlyMap<number, number>, version: number): Promise<Sums> {
  const q = productViewsQuery(from, to);
  const [found] = await rows<{ ids: string[]; views: (number | string)[] }>(ch, q.sql, q.params);
  const categories = await index.categoriesOf(found.ids);
  const views = new Map<string, number>();
  for (let i = 0; i < found.ids.length; i++) {
    const c = categories[i];
    if (c !== null) views.set(c, (views.get(c) ?? 0) + Number(found.views[i]));
  }
  return { to, events: new Map(hours.map((h) => [h, events.get(h)!])), version, views };
}

/**
 * Views per category since `from` (unix seconds), as the SQL of productViewsQuery summed by the
 * index's categories gives them, from sums kept while the hours they cover are unchanged.
 */
async function viewsSince(ch: ClickHouseClient, index: ProductIndex, since: number, hours: Promise<HourlyEvents> | undefined): Promise<Map<string, number>> {
  // Hourly buckets since `since` are those since the next whole hour: kept by it, the sums are read
  // again once an hour, not at each of the timeline's steps that `since` moves by (a quarter for 24h).
  const from = Math.ceil(since / 3600) * 3600;
  // Both read before the views: sums are never labelled newer than the rows and categories they came from.
  const version = await index.categoryVersion();
  const events = hoursIn(await (hours ?? readHourlyEvents(ch, from)), from);
  const hourList = [...events.keys()];
  let k = kept.get(index);
  if (!k) kept.set(index, (k = { blocks: new Map(), hours: new Map() }));
  const split = Math.max(0, hourList.length - NEWEST_HOURS);
  const settled = hourList.slice(0, split), newest = hourList.slice(split);
  const parts: Sums[] = [];
  let block = k.blocks.get(from);
  // Up to the first of the newest hours; with none, every hour there is.
  const to = newest[0] ?? 2 ** 32 - 1;
  if (!holds(block, to, settled, events, version)) {
    block = await read(ch, index, from, to, settled, events, version);
    k.blocks.delete(from);
    k.blocks.set(from, block);
    if (k.blocks.size > KEPT_BLOCKS) k.blocks.delete(k.blocks.keys().next().value!);
  }
  parts.push(block);
  for (const h of newest) {
    let one = k.hours.get(h);
    if (!holds(one, h + 3600, [h], events, version)) k.hours.set(h, (one = await read(ch, index, h, h + 3600, [h], events, version)));
    parts.push(one);
  }
  if (k.hours.size > KEPT_BLOCKS * NEWEST_HOURS) for (const h of [...k.hours.keys()].sort((a, b) => a - b).slice(0, k.hours.size - KEPT_BLOCKS * NEWEST_HOURS)) k.hours.delete(h);
  const sums = new Map<string, number>();
  for (const p of parts) for (const [c, v] of p.views) sums.set(c, (sums.get(c) ?? 0) + v);
  return sums;
}

/** ClickHouse's round(x, 1) on a Float64: half to even. */
const round1 = (x: number) => { const y = x * 10, r = Math.round(y); return (r - y === 0.5 && r % 2 !== 0 ? r - 1 : r) / 10; };

/** Categories since `from`; `hours`, when the caller reads them already, must start at or before `from`. */
export async function listCategoryStats(d: { ch: ClickHouseClient; productIndex: ProductIndex | null }, from: number, hours?: Promise<HourlyEvents>): Promise<CategoryStats[]> {
  if (!d.productIndex) {
    const q = categoryStatsQuery(from);
    const found = await rows<{ category: string; products: number; views: number | null; avgScore: number | null }>(d.ch, q.sql, q.params);
    return found.map((c) => ({ category: c.category, products: Number(c.products), views: Number(c.views ?? 0), avgScore: Number(c.avgScore ?? 0) }));
  }
  const views = await viewsSince(d.ch, d.productIndex, from, hours);
  return (await d.productIndex.overview()).categories
    .map((c) => ({ category: c.category, products: c.products, views: views.get(c.category) ?? 0, avgScore: c.scored ? round1(c.scoreSum / c.scored) : 0 }))
    .sort((a, b) => b.views - a.views || compareStrings(a.category, b.category));
}
