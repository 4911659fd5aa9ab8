// The forecasts list: products ranked by what their latest stored forecast says about the bucket a
// day or a week after their last complete one (the change from that bucket with its 80% interval),
// with the lifecycle stage and peak stored with the same generation and the chosen model's
// backtest; filtered, sorted (missing figures last) and paged by keyset cursor.
// The list's SQL over the forecast, backtest and lifecycle rows reads every product's latest
// generation (seconds at 100k products). The forecaster writes a narrow head of each generation
// beside them (forecast-heads.ts), and a request reads those: every product's sort figures and
// stage, kept per data key of the heads (data-key.ts: they change only when heads are written,
// and after a write only the products with new heads are read again), pick the page's products
// (forecast-ranks.ts), and the same SQL over their heads alone gives the page's figures, kept too
// while the key holds; titles, categories and images are the product index's (the explorer's),
// where the whole SQL joins the products table. The tests compare the two.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Metric } from '../../schemas/events.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import type { Stage } from '../../analytics/lifecycle.js';
import { FORECAST_LIST_LIMIT, type Ahead, type ForecastPage, type ForecastSortKey } from '../schemas/forecasts.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { ProductIndex } from '../product-index.js';
import { dataBlocks, keyOf, newBlocksParams, NEW_BLOCKS_SQL, onlyInsertedSince, type Blocks } from './data-key.js';
import { applyChanges, pickIds, ranksOf, SORT_COLUMN, type RankPick, type Ranks, type StoredRankRow } from './forecast-ranks.js';
import { keptPerStore } from './kept.js';
import { latestHeadsSql } from './forecast-heads.js';
import { latestForecastsSql } from './latest-forecasts.js';
import { latestProductsSql, rows } from './sql.js';
import { isoFromUnix } from './time-range.js';

export interface ForecastListParams {
  metric: Metric; ahead?: Ahead; category?: string; stage?: Stage;
  sort?: ForecastSortKey | `-${ForecastSortKey}`; limit?: number; cursor?: string;
}

// Changes only from a positive base: from 0 any forecast is an infinite rise, which ranks nothing.
const change = (bound: string) => `if(base > 0, ${bound} / base - 1, NULL)`;

/**
 * Where the list reads each product's latest generation from: the forecast, backtest and
 * lifecycle rows joined with the products' metadata (the whole SQL), or the heads of every
 * product or of {ids:Array(String)} alone, without metadata.
 */
type Source = 'rows' | 'heads' | 'heads of ids';

const LIST_BASE = (ahead: Ahead, from: Source) => {
  // The heads carry the lifecycle stored with their generation; from the rows it is joined.
  const rows = from === 'rows';
  const lc = rows ? 'lc' : 'l';
  return `
SELECT l.productId AS productId,${rows ? " if(ifNull(p.title, '') = '', l.productId, p.title) AS title, p.category AS category, p.imageUrl AS imageUrl," : ''}
  l.granularity AS interval, l.model AS model, toUnixTimestamp64Milli(l.g) AS generatedAt, toUnixTimestamp(l.start) AS start, toUnixTimestamp(l.target) AS target,
  l.base AS base, l.yhat AS yhat, l.lo80 AS lo80, l.hi80 AS hi80, ${change('l.yhat')} AS change, ${change('l.lo80')} AS changeLo80, ${change('l.hi80')} AS changeHi80,
  ${lc}.stage AS stage, ${lc}.growth AS growthPerStep, toUnixTimestamp(${lc}.peakAt) AS peakAt, toUnixTimestamp(${lc}.peakLo) AS peakLo, toUnixTimestamp(${lc}.peakHi) AS peakHi,
  toInt64(toUnixTimestamp(${lc}.peakAt)) - toInt64(toUnixTimestamp(l.start)) AS peakInSec,
  l.mase AS mase, l.relativeMase AS relativeMase, l.coverage80 AS coverage80, l.margin80 AS margin80, l.coverage95 AS coverage95, l.margin95 AS margin95, l.points AS points, l.origins AS origins
FROM (${rows ? latestForecastsSql(ahead) : latestHeadsSql(ahead, { ids: from === 'heads of ids' })}) AS l${rows ? `
LEFT JOIN (${latestProductsSql(['title', 'category', 'imageUrl'])}) AS p ON p.productId = l.productId
LEFT JOIN (
  SELECT productId, computedAt, stage, growth, peakAt, peakLo, peakHi FROM ${TABLES.productLifecycle}
  WHERE metric = {metric:String} LIMIT 1 BY productId, computedAt
) AS lc ON lc.productId = l.productId AND lc.computedAt = l.g` : ''}`;
};

type Num = number | null;
/** A product's row of the list: its head's figures, and its metadata (its id for a title, NULLs for the rest, without any). */
interface Row {
  productId: string; title: string; category: string | null; imageUrl: string | null; interval: string; model: string; generatedAt: number | string; start: number | string; target: number | string;
  base: Num; yhat: number; lo80: number; hi80: number; change: Num; changeLo80: Num; changeHi80: Num;
  stage: Stage | null; growthPerStep: Num; peakAt: Num | string; peakLo: Num | string; peakHi: Num | string; peakInSec: Num | string;
  mase: Num; relativeMase: Num; coverage80: Num; margin80: Num; coverage95: Num; margin95: Num; points: number | string; origins: number | string;
}

/** A head's figures as the page's SQL reads them. */
type HeadRow = Omit<Row, 'title' | 'category' | 'imageUrl'>;

const iso = (sec: number | string) => isoFromUnix(Number(sec));

/** The table a request reads from the store: a write there changes the kept figures. */
const HEAD_TABLES = [TABLES.forecastHeads];

/** The listed products' generation, sort figures and stage (NaN and infinities quoted, to tell them from NULL): every product's, or those of {ids:Array(String)}. */
const RANKS_SQL = (ahead: Ahead, from: 'heads' | 'heads of ids' = 'heads') => `SELECT productId, generatedAt, stage, change, relativeMase, peakInSec FROM (${LIST_BASE(ahead, from)})
  SETTINGS output_format_json_quote_denormals = 1`;

/** The products with a head of {metric:String} written since the blocks of NEW_BLOCKS_SQL's parameters. */
const CHANGED_SQL = `SELECT DISTINCT productId FROM ${TABLES.forecastHeads} WHERE metric = {metric:String} AND ${NEW_BLOCKS_SQL}`;

/**
 * Past this many products with new heads, every product's figures are read again rather than
 * those products' (a merge that folds new heads into the big part makes every product "new").
 */
const MAX_CHANGED = 5_000;

/** The figures of the products in {ids:Array(String)}, from their heads. */
const PAGE_SQL = (ahead: Ahead) => `SELECT * FROM (${LIST_BASE(ahead, 'heads of ids')})`;

/** What a request keeps of the heads, brought up to date as they are written. */
interface Kept {
  /** The heads' data key and blocks the figures hold every row of. */
  key: string;
  blocks: Blocks[];
  ranks: Ranks;
  /** The listed products' categories at a version of the index's, read when a request first filters by category. */
  categories: { version: number; of: Map<string, string | null> } | null;
  /** Heads read for pages, by product: each of the generation the ranks hold. */
  heads: Map<string, HeadRow>;
}

/** Per store: what is kept by metric and ahead (four of them at once: every metric and ahead in use), under the latest data key read. */
const kept = keptPerStore<Kept>(4);

/** Heads kept per key (a few pages of each sort, filter and cursor in use); past it, the kept ones are dropped and read again. */
const KEPT_HEADS = 4 * FORECAST_LIST_LIMIT.max;

/** The list's whole SQL for one request, over the rows (one row more than the page, to tell whether another follows). */
export function listForecastsQuery(q: ForecastListParams) {
  const sort = q.sort ?? '-change';
  const key = sort.replace(/^-/, '') as ForecastSortKey;
  const col = SORT_COLUMN[key];
  const desc = sort.startsWith('-');
  const limit = q.limit ?? FORECAST_LIST_LIMIT.default;
  const after = decodeCursor(q.cursor, ['numberOrNull', 'string'] as const);
  const where: string[] = [];
  const params: Record<string, unknown> = { metric: q.metric, limit: limit + 1 };
  if (q.category !== undefined) { where.push('category = {category:String}'); params.category = q.category; }
  if (q.stage !== undefined) { where.push('stage = {stage:String}'); params.stage = q.stage; }
  if (after) {
    // Missing figures come last in either direction: after a row that had one, every row without one follows.
    const [value, id] = after;
    where.push(value === null
      ? `(${col} IS NULL AND productId > {cid:String})`
      : `(${col} ${desc ? '<' : '>'} {cv:Float64} OR (${col} = {cv:Float64} AND productId > {cid:String}) OR ${col} IS NULL)`);
    Object.assign(params, { cv: value, cid: id });
  }
  const sql = `SELECT * FROM (${LIST_BASE(q.ahead ?? '1d', 'rows')}) ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY ${col} IS NULL, ${col} ${desc ? 'DESC' : 'ASC'}, productId ASC LIMIT {limit:UInt32} SETTINGS join_use_nulls = 1`;
  return { sql, params, col, desc, after, limit };
}

/** Tries at picking a page from kept figures before the whole list's SQL answers alone (writes kept landing in between). */
const ATTEMPTS = 2;

export interface ForecastListDeps {
  ch: ClickHouseClient;
  /** Products' metadata and categories: the API's product index. */
  products: Pick<ProductIndex, 'metaOf' | 'categoriesOf' | 'categoryVersion'>;
}

export async function listForecasts(d: ForecastListDeps, q: ForecastListParams): Promise<ForecastPage> {
  const ahead = q.ahead ?? '1d';
  const { col, desc, after, limit } = listForecastsQuery(q);
  for (let i = 0; i < ATTEMPTS; i++) {
    // Both read before the figures they label: never labelling figures with older data.
    const blocks = await dataBlocks(d.ch, HEAD_TABLES);
    const version = q.category === undefined ? null : await d.products.categoryVersion();
    const k = `${q.metric}|${ahead}`;
    const before = kept.get(d.ch, k);
    const list = await current(d.ch, before, blocks, q.metric, ahead);
    if (list !== before) kept.set(d.ch, k, list);
    let category: RankPick['category'];
    if (q.category !== undefined && version !== null) {
      if (list.categories?.version !== version) {
        const ids = list.ranks.rows.map((r) => r.productId);
        const of = await d.products.categoriesOf(ids);
        list.categories = { version, of: new Map(ids.map((id, j) => [id, of[j]])) };
      }
      category = { is: q.category, of: list.categories.of };
    }
    const ids = pickIds(list.ranks, { col, desc, category, stage: q.stage, after, n: limit + 1 });
    // Another request brought the figures up to date while this one waited: pick again.
    const picked = list.ranks.version;
    const moved = () => list.ranks.version !== picked;
    const missing = ids.filter((id) => !list.heads.has(id));
    if (missing.length) {
      const found = await rows<HeadRow>(d.ch, PAGE_SQL(ahead), { metric: q.metric, ids: missing });
      // A head of another generation than the ranks' (or none that reaches `ahead`): a write
      // landed since they were read, and the page would mix the two.
      if (moved() || found.length !== missing.length || found.some((r) => Number(r.generatedAt) !== list.ranks.generations.get(r.productId))) continue;
      if (list.heads.size + found.length > KEPT_HEADS) list.heads.clear();
      for (const r of found) list.heads.set(r.productId, r);
    }
    const metas = await d.products.metaOf(ids);
    // Categories changed since the page was picked by them: it could miss a product or hold one too many.
    if (moved() || (version !== null && await d.products.categoryVersion() !== version)) continue;
    return pageOf(ids.map((id, j) => {
      const m = metas[j];
      // As the whole SQL gives them: an empty or missing title is the id; without metadata, NULLs.
      return { ...list.heads.get(id)!, title: m?.title || id, category: m?.category ?? null, imageUrl: m?.imageUrl ?? null };
    }), col, limit);
  }
  return listForecastsBySql(d.ch, q);
}

/**
 * The figures kept for the heads' `blocks`: `before`'s if they were read under the same key; else,
 * when heads were only inserted since, `before`'s with the products that have new heads read again
 * and applied in place (a forecaster round writes a few hundred at a time, and every product's
 * figures took about a CPU-second to read at 100k products); else every product's, read again.
 */
async function current(ch: ClickHouseClient, before: Kept | undefined, blocks: Blocks[], metric: Metric, ahead: Ahead): Promise<Kept> {
  const key = keyOf(blocks);
  if (before?.key === key) return before;
  if (before && onlyInsertedSince(before.blocks, blocks)) {
    const changed = await rows<{ productId: string }>(ch, CHANGED_SQL, { metric, ...newBlocksParams(before.blocks, TABLES.forecastHeads) });
    if (changed.length <= MAX_CHANGED) {
      const ids = new Set(changed.map((r) => r.productId));
      const fresh = ids.size ? await rows<StoredRankRow>(ch, RANKS_SQL(ahead, 'heads of ids'), { metric, ids: [...ids] }) : [];
      // Another request brought them further meanwhile: theirs stand.
      if (before.key !== key && onlyInsertedSince(before.blocks, blocks)) {
        applyChanges(before.ranks, ids, fresh);
        for (const id of ids) before.heads.delete(id);
        // A product new to the list has no category kept: they are read again when next filtered by.
        if (!fresh.every((r) => before.categories?.of.has(r.productId))) before.categories = null;
        Object.assign(before, { key, blocks });
      }
      return before;
    }
  }
  return { key, blocks, ranks: ranksOf(await rows<StoredRankRow>(ch, RANKS_SQL(ahead), { metric })), categories: null, heads: new Map() };
}

/** The page from the whole list's SQL over the rows: what listForecasts answers, at the cost of every product's latest generation. */
export async function listForecastsBySql(ch: ClickHouseClient, q: ForecastListParams): Promise<ForecastPage> {
  const { sql, params, col, limit } = listForecastsQuery(q);
  return pageOf(await rows<Row>(ch, sql, params), col, limit);
}

function pageOf(found: Row[], col: string, limit: number): ForecastPage {
  const page = found.slice(0, limit);
  const last = page[page.length - 1];
  const num = (v: Num | string) => (v === null ? null : Number(v));
  return {
    items: page.map((r) => ({
      productId: r.productId, title: r.title, category: r.category ?? '', imageUrl: r.imageUrl || null,
      interval: r.interval, model: r.model, generatedAt: new Date(Number(r.generatedAt)).toISOString(), start: iso(r.start), target: iso(r.target),
      base: r.base, yhat: r.yhat, lo80: r.lo80, hi80: r.hi80, change: r.change, changeLo80: r.changeLo80, changeHi80: r.changeHi80,
      stage: r.stage || null, growthPerStep: r.growthPerStep,
      peak: r.peakAt === null || r.peakLo === null || r.peakHi === null ? null : {
        at: iso(r.peakAt), lo: iso(r.peakLo), hi: iso(r.peakHi),
        inSec: Number(r.peakAt) - Number(r.start), loSec: Number(r.peakLo) - Number(r.start), hiSec: Number(r.peakHi) - Number(r.start),
      },
      backtest: { mase: r.mase, relativeMase: r.relativeMase, coverage80: r.coverage80, margin80: r.margin80, coverage95: r.coverage95, margin95: r.margin95, points: Number(r.points), origins: Number(r.origins) },
    })),
    nextCursor: found.length > limit && last ? encodeCursor([num(last[col as keyof Row] as Num | string), last.productId]) : null,
  };
}
