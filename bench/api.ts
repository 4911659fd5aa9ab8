// `trenddrop bench`, API phase: the overview, explorer and forecasts queries at a given scale (the
// target is 100k products, 50M events), each timed over real HTTP beside the very same SQL run
// directly with the ClickHouse client, and the process's resident memory at that scale.
//   1. load: products through the metadata processor (Postgres and the ClickHouse dimension, as
//      production writes them); events generated inside ClickHouse (`INSERT INTO events SELECT
//      … FROM numbers(…)` in chunks), so that the materialized views build every rollup as they
//      do in production without pushing the rows through Node; then the real scorer over every
//      product, and hourly score history derived from those scores; then stored forecasts of
//      every product (bench/forecast-rows.ts), a few generations of each forecast metric;
//   2. measure: rounds of each query — the endpoint with its response cache made stale first
//      (an update bumps the cache version and its minimum age has passed, as under live load),
//      the endpoint again (a cache hit), and the route's SQL run directly.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import { count } from 'drizzle-orm';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { mulberry32 } from '../core/random.js';
import { sleep } from '../core/retry.js';
import { overviewIndexQueries, overviewQueries } from '../api/queries/get-overview.js';
import { startProductIndex } from '../api/product-index.js';
import { listProductsQuery, type ListProductsParams } from '../api/queries/list-products.js';
import { LIST_LIMIT } from '../api/schemas/products.js';
import { CALIBRATION_SQL } from '../api/queries/get-forecast-calibration.js';
import { listForecastsQuery, type ForecastListParams } from '../api/queries/list-forecasts.js';
import { rows } from '../api/queries/sql.js';
import { ROLLUP_INSERT_SETTINGS } from '../processors/event-rows.js';
import { MetadataProcessor } from '../processors/metadata.js';
import { Scorer, STEP_PROFILES } from '../processors/scorer.js';
import { settledBefore } from '../analytics/event-time.js';
import { ENGAGEMENT_SQL, momentumSql } from '../analytics/trend.js';
import type { ProductMessage } from '../schemas/events.js';
import { products as pgProducts } from '../schemas/postgres/schema.js';
import type { ProductsUpdate } from '../schemas/updates.js';
import { startApp, type App } from '../app/start-app.js';
import { TABLES } from '../schemas/clickhouse/tables.js';
import { insertBenchForecasts } from './forecast-rows.js';
import { num, label } from './format.js';

export interface Latency { p50Ms: number; p95Ms: number }

export interface ApiBenchQuery {
  name: string;
  /** Request path under /api/v1. */
  path: string;
  /** Timed samples per column. */
  n: number;
  /** The endpoint with its response cache stale: the query runs. */
  api: Latency;
  /** The route's SQL run directly with the ClickHouse client. */
  direct: Latency;
  /** The endpoint answered from its response cache. */
  cached: Latency;
  /** api p95 / direct p95. */
  ratioP95: number;
  /** Products in the answer: explorer items, or the overview's top products. */
  items: number;
}

export interface ApiBenchResult {
  products: number;
  events: number;
  /** What the stores hold after loading, counted there. */
  loaded: { chProducts: number; pgProducts: number; events: number; productsWithEvents: number; rollupEvents: { '1m': number; '1h': number; '1d': number }; rollupRows: { '1m': number; '1h': number; '1d': number }; scores: number; scoreHistory: number };
  loadSeconds: { products: number; events: number; merges: number; scores: number; history: number; forecasts: number; total: number };
  queries: ApiBenchQuery[];
  /** Each ClickHouse query of the overview run alone: without the product index (`sql: …`) and with it (`index: …`). */
  overviewParts: { name: string; direct: Latency }[];
  /** A product index built over the loaded stores: its load time and the V8 heap it holds. */
  productIndex: { loadMs: number; heapMiB: number };
  rssMiB: { loaded: number; afterQueries: number; peak: number };
}

export interface ApiBenchOptions {
  products: number;
  events: number;
  logger: Logger;
  onProgress?: (f: number, label: string) => void;
  /** Timed rounds per query (default 50), after `warmup` untimed ones (default 5). */
  samples?: number;
  warmup?: number;
  /** Event time (ms) the loaded history ends at (default: the clock's now). The soak puts it in the past, to replay the hours after it faster than real time. */
  end?: number;
}

const EVENT_CHUNK = 5_000_000;
const PRODUCT_BATCH = 2000;
const SPAN_MS = 7 * 86_400_000;
const HISTORY_STEP_MS = 3_600_000;
/** Longest wait for background merges after loading; past it, queries meet the parts as they are. */
const MERGE_WAIT_MS = 10 * 60_000;
/** Stored forecast generations per product and metric: the forecaster writes one an hour, and older ones linger until merges. */
const FORECAST_GENERATIONS = 3;
/** The response cache serves an entry at least this long (QueryCache's minAgeMs), plus margin. */
const CACHE_MIN_AGE_MS = 1050;

const CATEGORIES = ['Home', 'Beauty', 'Fitness', 'Kitchen', 'Pets', 'Electronics', 'Fashion', 'Toys', 'Outdoor', 'Health', 'Baby', 'Automotive'];
const ADJECTIVES = ['Portable', 'Smart', 'Mini', 'Magnetic', 'Foldable', 'Wireless', 'Eco', 'Deluxe', 'Ergonomic', 'Glow', 'Silicone', 'Bamboo'];
const NOUNS = ['Lamp', 'Blender', 'Massager', 'Organizer', 'Projector', 'Humidifier', 'Charger', 'Brush', 'Bottle', 'Mat', 'Backpack', 'Feeder',
  'Camera', 'Tracker', 'Speaker', 'Pillow', 'Scale', 'Holder', 'Cleaner', 'Grinder', 'Mirror', 'Fan', 'Band', 'Stand', 'Diffuser', 'Mug',
  'Scrubber', 'Toy', 'Light', 'Roller', 'Sander', 'Kettle', 'Tripod', 'Wallet', 'Watch', 'Ring', 'Jar', 'Cutter', 'Heater', 'Shelf'];
/** The explorer's text search: one noun of forty, so about 2.5 % of titles match. */
const SEARCH = 'lamp';

const productId = (i: number) => `p-${i}`;

/** A deterministic catalogue: categories skewed towards the first, some products without a price. */
function catalogue(n: number): ProductMessage[] {
  const rnd = mulberry32(17);
  return Array.from({ length: n }, (_, i) => {
    const category = CATEGORIES[Math.floor(CATEGORIES.length * rnd() ** 1.5)];
    const noun = NOUNS[Math.floor(rnd() * NOUNS.length)];
    const price = rnd() < 0.1 ? undefined : Math.round(500 + rnd() * 9500) / 100;
    return {
      productId: productId(i), title: `${ADJECTIVES[Math.floor(rnd() * ADJECTIVES.length)]} ${noun} ${i}`, category, brand: `Brand ${i % 500}`,
      price, currency: 'USD', imageUrl: `https://img.example.com/p/${i}.jpg`, source: 'bench', tags: [noun.toLowerCase(), category.toLowerCase()],
    };
  });
}

// One chunk of events over the last seven days, made inside ClickHouse. Product popularity is
// skewed (index = P·u³: the top 1 % of products get about a fifth of the events, the least
// popular still ~N/3P); each product leans recent (rising), old (declining) or flat by a shape
// exponent on its event ages. Regions, platforms and videos vary per event, as do the counts.
const EVENTS_SQL = (settings: string) => `
INSERT INTO ${TABLES.events} (eventId, ts, productId, platform, region, videoId, views, likes, shares, comments, orders, revenue, searches, late, ingestedAt)
SELECT
  concat('bench-', toString(number)) AS eventId,
  fromUnixTimestamp64Milli(toInt64({end:Int64} - toInt64({span:Float64} * pow(age, shape))), 'UTC') AS ts,
  concat('p-', toString(idx)) AS productId,
  ['tiktok', 'tiktok', 'tiktok', 'instagram', 'instagram', 'youtube', 'amazon', 'facebook'][h % 8 + 1] AS platform,
  ['US', 'US', 'US', 'GB', 'DE', 'FR', 'BR', 'JP', 'IN', 'MX'][intDiv(h, 8) % 10 + 1] AS region,
  if(intDiv(h, 80) % 10 < 4, concat('v-', toString(idx), '-', toString(intDiv(h, 800) % 5)), '') AS videoId,
  1 + intDiv(h, 4000) % 200 AS views,
  intDiv(views, 10 + intDiv(h, 800000) % 20) AS likes,
  intDiv(h, 16000000) % 3 AS shares,
  intDiv(h, 48000000) % 4 AS comments,
  if(intDiv(h, 192000000) % 40 = 0, 1, 0) AS orders,
  orders * 19.99 AS revenue,
  intDiv(h, 7680000000) % 5 AS searches,
  0 AS late,
  ts AS ingestedAt
FROM (
  SELECT number, sipHash64(number, 1) AS h,
    toUInt64({products:UInt64} * pow(sipHash64(number, 2) / 18446744073709551616., 3)) AS idx,
    sipHash64(number, 3) / 18446744073709551616. AS age,
    [0.7, 1, 1, 1.5, 2.2][cityHash64(idx) % 5 + 1] AS shape
  FROM numbers({offset:UInt64}, {n:UInt64}))${settings ? `\nSETTINGS ${settings}` : ''}`;

/**
 * Settings of the load's bulk inserts: the ones every insert that feeds the rollups carries
 * (ROLLUP_INSERT_SETTINGS), as SQL; the score history's rows are one per product and hour by
 * construction, so its merge on insert finds nothing either. Skipping that merge halved the CPU
 * of loading events here (38 → 16 CPU-seconds per million events); the views side by side made
 * the load about 20 % faster. The stored rows are the same either way (test/bench/api-load.test.ts).
 */
export const BULK_INSERT = Object.entries(ROLLUP_INSERT_SETTINGS).map(([k, v]) => `${k} = ${v}`).join(', ');

export interface BenchEventsChunk {
  /** The history's end (ms); events go back seven days from it. */
  end: number;
  products: number;
  /** The chunk: event numbers [offset, offset + n), each the same event whichever chunk makes it. */
  offset: number;
  n: number;
}

/** Inserts one chunk of the bench's events; `settings` of the insert (BULK_INSERT, or '' for the engine's defaults as production writes). */
export async function insertBenchEvents(ch: ClickHouseClient, c: BenchEventsChunk, settings = BULK_INSERT): Promise<void> {
  await ch.command({ query: EVENTS_SQL(settings), query_params: { end: c.end, span: SPAN_MS, products: c.products, offset: c.offset, n: c.n } });
}

// Past scores, one per product and hour of the window up to the hour before the one the real
// scorer then completes, as a running process would have stored them: the scorer resumes after them.
// Each score's momentum is the one the scorer computes from the loaded events (the same engagement,
// steps and lag; momentumSql): the breakout detector rebuilds each product's baseline from these.
// A history of zeros, as it was, made every baseline flat at the detector's noise floor, so a
// soak's first live round flagged about a third of the products as breaking out. Each product's
// hours are one sumResample array (bin i: the hour first + i h), each instant's sums slices of it.
const HOUR = STEP_PROFILES.hour;
/** Hours before a score's own that its momentum reads. */
const MOMENTUM_REACH = HOUR.momentumLag + HOUR.momentumSteps - 1;
// Each product's sums are differences of one cumulative sum of its hours, sliced so that the
// n-th element of each slice belongs to the same score: arrayMap over aligned arrays captures no
// column. (A lambda reading the hours for each score copies them per score: at 100k products the
// engine passed its memory limit, 17 GiB resident.) Engagement is whole numbers, so the
// differences are exact. Element j is the score rounds − 1 − j hours before the last.
const slice = (from: number) => `arraySlice(cs, ${from}, {rounds:UInt64})`;
const HISTORY_SQL = `
INSERT INTO ${TABLES.trendScoreHistory} (productId, computedAt, stepSec, score, label, velocity, acceleration, momentum, scoredAt)
SELECT productId, fromUnixTimestamp64Milli(toInt64({last:Int64} - k * {step:Int64}), 'UTC'), 3600,
  (cityHash64(n, k) % 1000) / 10, 'steady', 0, 0, m, fromUnixTimestamp64Milli({last:Int64}, 'UTC')
FROM (
  SELECT p.number AS n, productId,
    -- A product with no rows gets no bins: sums of 0, momentum 0.
    arrayConcat([0.], arrayCumSum(if(empty(h.bins), arrayResize([0.], {bins:UInt64}), h.bins))) AS cs,
    arrayMap((a, b, c, d) -> ${momentumSql('a - b', 'c - d', HOUR.momentumLag)},
      ${slice(MOMENTUM_REACH + 2)}, ${slice(MOMENTUM_REACH + 2 - HOUR.momentumSteps)},
      ${slice(MOMENTUM_REACH + 2 - HOUR.momentumLag)}, ${slice(MOMENTUM_REACH + 2 - HOUR.momentumLag - HOUR.momentumSteps)}) AS ms,
    arrayJoin(arrayZip(arrayReverse(range({rounds:UInt64})), ms)) AS km, km.1 AS k, km.2 AS m
  FROM (SELECT number, concat('p-', toString(number)) AS productId FROM numbers({products:UInt64})) AS p
  LEFT JOIN (
    SELECT productId, sumResample({first:Int64}, {first:Int64} + {bins:Int64} * 3600, 3600)(toFloat64(${ENGAGEMENT_SQL}), toInt64(toUnixTimestamp(bucket))) AS bins
    FROM ${TABLES.engagement1h}
    WHERE bucket >= toDateTime({first:Int64}) AND bucket < toDateTime({first:Int64} + {bins:Int64} * 3600)
    GROUP BY productId) AS h USING productId)`;

/**
 * Inserts the past scores of every product, hourly for the seven days up to `last` (ms), each
 * with the momentum of the events already loaded; `settings` as for insertBenchEvents.
 */
export async function insertScoreHistory(ch: ClickHouseClient, h: { last: number; products: number }, settings = BULK_INSERT): Promise<void> {
  const rounds = SPAN_MS / HISTORY_STEP_MS;
  const first = Math.floor(h.last / 1000) - (rounds - 1 + MOMENTUM_REACH) * 3600;
  await ch.command({
    query: `${HISTORY_SQL}${settings ? `\nSETTINGS ${settings}` : ''}`,
    query_params: { last: h.last, step: HISTORY_STEP_MS, rounds, products: h.products, first, bins: rounds + MOMENTUM_REACH },
  });
}

const COUNTS_SQL = `
SELECT
  (SELECT uniqExact(productId) FROM ${TABLES.products}) AS chProducts,
  (SELECT count() FROM ${TABLES.events}) AS events,
  (SELECT uniqExact(productId) FROM ${TABLES.events}) AS productsWithEvents,
  (SELECT sum(events) FROM ${TABLES.engagement1m}) AS e1m, (SELECT count() FROM ${TABLES.engagement1m}) AS r1m,
  (SELECT sum(events) FROM ${TABLES.engagement1h}) AS e1h, (SELECT count() FROM ${TABLES.engagement1h}) AS r1h,
  (SELECT sum(events) FROM ${TABLES.engagement1d}) AS e1d, (SELECT count() FROM ${TABLES.engagement1d}) AS r1d,
  (SELECT uniqExact(productId) FROM ${TABLES.trendScores}) AS scores,
  (SELECT count() FROM ${TABLES.trendScoreHistory}) AS history`;

const seconds = (t0: number) => +((performance.now() - t0) / 1000).toFixed(1);
const mib = (bytes: number) => Math.round(bytes / 2 ** 20);

function latency(samples: number[]): Latency {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => +(s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN).toFixed(1);
  return { p50Ms: q(0.5), p95Ms: q(0.95) };
}

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

/** Loads the phase's catalogue, events and scores into `app` (the soak phase starts from the same). */
export async function load(app: App, o: ApiBenchOptions, progress: (f: number, label: string) => void): Promise<Omit<ApiBenchResult['loadSeconds'], 'forecasts'>> {
  const rt = app.runtime;
  const ch = rt.clickhouse.client;
  const log = o.logger.child({ component: 'bench-api' });
  const started = performance.now();

  let t0 = performance.now();
  const metadata = new MetadataProcessor({ bus: rt.bus, topics: rt.topics, db: rt.postgres.db, ch, clock: rt.clock, logger: rt.logger, metrics: rt.metrics });
  const items = catalogue(o.products);
  for (let i = 0; i < items.length; i += PRODUCT_BATCH) {
    await metadata.upsertProducts(items.slice(i, i + PRODUCT_BATCH));
    progress(0.05 * (i / items.length), 'products');
  }
  const productSec = seconds(t0);
  log.info({ products: o.products, seconds: productSec }, 'products loaded');

  t0 = performance.now();
  const end = o.end ?? rt.clock.now();
  for (let offset = 0; offset < o.events; offset += EVENT_CHUNK) {
    progress(0.05 + 0.75 * (offset / o.events), `events ${offset.toLocaleString('en-US')} / ${o.events.toLocaleString('en-US')}`);
    await insertBenchEvents(ch, { end, products: o.products, offset, n: Math.min(EVENT_CHUNK, o.events - offset) });
  }
  const eventSec = seconds(t0);
  log.info({ events: o.events, seconds: eventSec }, 'events loaded');

  // Production has had time to merge what it wrote; wait (bounded) until the merges are done.
  t0 = performance.now();
  progress(0.8, 'background merges');
  while (performance.now() - t0 < MERGE_WAIT_MS) {
    const [m] = await rows<{ n: number }>(ch, 'SELECT count() AS n FROM system.merges');
    if (Number(m.n) === 0) break;
    await sleep(1000);
  }
  const mergeSec = seconds(t0);

  // Score history up to the hour before the last settled one, then the real scorer's round that
  // settles that hour for every product with events in the window: what runs each hour.
  t0 = performance.now();
  progress(0.85, 'score history');
  const lastSettled = Math.floor(settledBefore(end, rt.config.allowedLatenessMs) / HISTORY_STEP_MS) * HISTORY_STEP_MS;
  await insertScoreHistory(ch, { last: lastSettled - 2 * HISTORY_STEP_MS, products: o.products });
  const historySec = seconds(t0);

  t0 = performance.now();
  progress(0.9, 'scoring every product');
  const scorer = new Scorer({ ch, bus: rt.bus, topics: rt.topics, clock: rt.clock, logger: rt.logger, metrics: rt.metrics, weights: rt.config.scoreWeights, intervalMs: rt.config.scoreIntervalMs, allowedLatenessMs: rt.config.allowedLatenessMs, watermark: () => end });
  const scored = await scorer.round();
  const scoreSec = seconds(t0);
  log.info({ scored, seconds: scoreSec }, 'products scored');
  return { products: productSec, events: eventSec, merges: mergeSec, scores: scoreSec, history: historySec, total: seconds(started) };
}

async function counts(app: App): Promise<ApiBenchResult['loaded']> {
  const [c] = await rows<Record<string, number | string>>(app.runtime.clickhouse.client, COUNTS_SQL);
  const [pg] = await app.runtime.postgres.db.select({ n: count() }).from(pgProducts);
  const n = (k: string) => Number(c[k]);
  return {
    chProducts: n('chProducts'), pgProducts: pg.n, events: n('events'), productsWithEvents: n('productsWithEvents'),
    rollupEvents: { '1m': n('e1m'), '1h': n('e1h'), '1d': n('e1d') }, rollupRows: { '1m': n('r1m'), '1h': n('r1h'), '1d': n('r1d') },
    scores: n('scores'), scoreHistory: n('history'),
  };
}

/** The parts of the answers the bench reads. */
interface Answer { generatedAt?: string; topProducts?: unknown[]; items?: unknown[]; nextCursor?: string | null }

/** One measured query: its endpoint, the same SQL run directly, and how many products its answer holds. */
interface Probe { name: string; path: string; direct: () => Promise<unknown>; items: (body: Answer) => number }

function probes(app: App, cursor: string | null, forecastCursor: string | null): Probe[] {
  const ch = app.runtime.clickhouse.client;
  const now = () => app.runtime.clock.now();
  const overview: Probe = {
    name: 'overview (24h)', path: 'overview?range=24h',
    // The route's ClickHouse queries, concurrently as it runs them (the previous period's products and
    // scores as the route reads them while the rows there are unchanged: their tables' part lists).
    direct: () => Promise.all(Object.values(overviewQueries('24h', now())).map((q) => rows(ch, q.sql, q.params))),
    items: (b) => b.topProducts?.length ?? 0,
  };
  const explorer = (name: string, q: ListProductsParams): Probe => ({
    name, path: `products?${new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)]))}`,
    direct: () => { const l = listProductsQuery({ limit: LIST_LIMIT.default, ...q }, now()); return rows(ch, l.sql, l.params); },
    items: (b) => b.items?.length ?? 0,
  });
  // The forecasts list of views: the endpoint, and directly the whole list's SQL, which the endpoint's kept figures stand in for.
  const forecasts = (name: string, q: Omit<ForecastListParams, 'metric'>): Probe => ({
    name, path: `forecasts?${new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)]))}`,
    direct: () => { const l = listForecastsQuery({ metric: 'views', ...q }); return rows(ch, l.sql, l.params); },
    items: (b) => b.items?.length ?? 0,
  });
  return [
    overview,
    explorer('explorer, by score', { sort: '-score' }),
    explorer('explorer, by views 24h', { sort: '-views' }),
    explorer(`explorer, category ${CATEGORIES[0]}`, { category: CATEGORIES[0], sort: '-score' }),
    explorer(`explorer, search "${SEARCH}"`, { q: SEARCH, sort: '-score' }),
    explorer('explorer, score 40–70', { minScore: 40, maxScore: 70, sort: '-score' }),
    ...(cursor ? [explorer('explorer, page 2 (cursor)', { sort: '-score', cursor })] : []),
    forecasts('forecasts, by change', {}),
    forecasts('forecasts, by relative MASE', { sort: 'relativeMase' }),
    forecasts('forecasts, by time to peak', { sort: 'peak' }),
    forecasts('forecasts, a week ahead', { ahead: '1w' }),
    forecasts(`forecasts, category ${CATEGORIES[0]}`, { category: CATEGORIES[0] }),
    ...(forecastCursor ? [forecasts('forecasts, page 2 (cursor)', { cursor: forecastCursor })] : []),
    { name: 'forecasts calibration', path: 'forecasts/calibration', direct: () => rows(ch, CALIBRATION_SQL, { metric: 'views' }), items: () => 0 },
  ];
}


async function measure(app: App, o: ApiBenchOptions, progress: (f: number, label: string) => void): Promise<{ queries: ApiBenchQuery[]; overviewParts: ApiBenchResult['overviewParts'] }> {
  const url = `http://127.0.0.1:${app.port}/api/v1/`;
  const get = async (path: string): Promise<Answer> => {
    const r = await fetch(url + path);
    const text = await r.text();
    if (r.status !== 200) throw new Error(`GET ${path} answered ${r.status}: ${text.slice(0, 200)}`);
    return JSON.parse(text);
  };
  const first = await get('products?sort=-score');
  const firstForecasts = await get('forecasts');
  const list = probes(app, first.nextCursor ?? null, firstForecasts.nextCursor ?? null);
  const samples = o.samples ?? 50, warmup = o.warmup ?? 5;
  const t = list.map(() => ({ api: [] as number[], direct: [] as number[], cached: [] as number[], items: 0 }));
  const generated = new Set<string>();
  const ch = app.runtime.clickhouse.client;
  const parts = () => [
    ...Object.entries(overviewQueries('24h', app.runtime.clock.now())).map(([k, q]) => [`sql: ${k}`, q] as const),
    ...Object.entries(overviewIndexQueries('24h', app.runtime.clock.now())).map(([k, q]) => [`index: ${k}`, q] as const),
  ];
  const partTimes = new Map<string, number[]>(parts().map(([k]) => [k, []]));
  let lastMiss = 0;
  for (let round = 0; round < warmup + samples; round++) {
    progress(round / (warmup + samples), `queries, round ${round + 1} of ${warmup + samples}`);
    // A stale cache, as under live load: an update bumps the version, and every entry is past
    // its minimum age.
    const bump: ProductsUpdate = { kind: 'products', productIds: [] };
    await app.runtime.bus.publish(app.runtime.topics.updates, [{ key: 'bench', value: bump }]);
    await sleep(Math.max(0, lastMiss + CACHE_MIN_AGE_MS - performance.now()));
    for (const [i, p] of list.entries()) {
      let body: Answer = {};
      const api = await timed(async () => { body = await get(p.path); });
      lastMiss = performance.now();
      let again: Answer = {};
      const cached = await timed(async () => { again = await get(p.path); });
      const direct = await timed(p.direct);
      if (p === list[0]) {
        // Proof that the cache was bypassed and then hit: each computation stamps its time.
        if (!body.generatedAt || generated.has(body.generatedAt)) throw new Error('the overview was answered from the cache; the measurement would not time the query');
        if (again.generatedAt !== body.generatedAt) throw new Error('the repeated overview was not answered from the cache');
        generated.add(body.generatedAt);
      }
      t[i].items = p.items(body);
      if (round < warmup) continue;
      t[i].api.push(api); t[i].cached.push(cached); t[i].direct.push(direct);
    }
    for (const [k, q] of parts()) {
      const ms = await timed(() => rows(ch, q.sql, q.params));
      if (round >= warmup) partTimes.get(k)!.push(ms);
    }
  }
  return {
    queries: list.map((p, i) => {
      const api = latency(t[i].api), direct = latency(t[i].direct);
      return { name: p.name, path: p.path, n: samples, api, direct, cached: latency(t[i].cached), ratioP95: +(api.p95Ms / direct.p95Ms).toFixed(2), items: t[i].items };
    }),
    overviewParts: [...partTimes].map(([name, ms]) => ({ name, direct: latency(ms) })),
  };
}

/** Builds a second product index over the loaded stores, to time its load and weigh it (heap after a full GC each side). */
async function weighIndex(app: App): Promise<ApiBenchResult['productIndex']> {
  const rt = app.runtime;
  // The process was not started with --expose-gc; V8 takes the flag at run time for contexts made after it.
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const index = await startProductIndex({ ch: rt.clickhouse.client, bus: rt.bus, topics: rt.topics, logger: rt.logger, onChange: () => undefined });
  const loadMs = Math.round(performance.now() - t0);
  gc();
  const heapMiB = mib(process.memoryUsage().heapUsed - heap0);
  await index.stop();
  return { loadMs, heapMiB };
}

/**
 * Loads `products` products and `events` events into a fresh embedded TrendDrop (api role;
 * stores in a temporary data dir, removed afterwards) and measures the overview and explorer
 * queries there. Always embedded: the target is the embedded process, and a configured server
 * must never receive the bench's data.
 */
export async function runApiBench(config: Config, o: ApiBenchOptions): Promise<ApiBenchResult> {
  const progress = o.onProgress ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'trenddrop-bench-api-'));
  // The overview is kept warm for users (api/cache.ts): here every key is as any other, so that a
  // stale request times the computation and not the background's answer.
  const app = await startApp({ ...config, dataDir: dir, port: 0, host: '127.0.0.1', simulator: false, kafkaBrokers: [], clickhouseUrl: null, databaseUrl: null }, { roles: ['api'], logger: o.logger, cache: { keepWarm: false } });
  try {
    const loaded0 = await load(app, o, (f, label) => progress(0.65 * f, label));
    const t0 = performance.now();
    progress(0.65, 'stored forecasts');
    await insertBenchForecasts(app.runtime.clickhouse.client, { products: o.products, last: o.end ?? app.runtime.clock.now(), generations: FORECAST_GENERATIONS });
    const loadSeconds = { ...loaded0, forecasts: seconds(t0), total: +(loaded0.total + seconds(t0)).toFixed(1) };
    const loaded = await counts(app);
    const rssLoaded = mib(process.memoryUsage().rss);
    o.logger.info({ loaded, loadSeconds, rssMiB: rssLoaded }, 'bench data loaded');
    const productIndex = await weighIndex(app);
    const { queries, overviewParts } = await measure(app, o, (f, label) => progress(0.7 + 0.3 * f, label));
    progress(1, 'done');
    return {
      products: o.products, events: o.events, loaded, loadSeconds, queries, overviewParts, productIndex,
      rssMiB: { loaded: rssLoaded, afterQueries: mib(process.memoryUsage().rss), peak: Math.round(process.resourceUsage().maxRSS / 1024) },
    };
  } finally {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The result as text lines, in the style of `trenddrop bench`. */
export function formatApiBench(r: ApiBenchResult): string[] {
  const ms = (l: Latency) => `${l.p50Ms} / ${l.p95Ms}`.padEnd(16);
  const l = r.loadSeconds;
  return [
    `TrendDrop API bench — ${num(r.products)} products, ${num(r.events)} events (embedded)`,
    `${label('load')}${l.total} s: products ${l.products} s, events ${l.events} s (${num(Math.round(r.events / Math.max(l.events, 0.001)))} events/s), merges ${l.merges} s, scorer ${l.scores} s, history ${l.history} s, forecasts ${l.forecasts} s`,
    `${label('stored')}${num(r.loaded.events)} events, ${num(r.loaded.chProducts)} products, ${num(r.loaded.scores)} scores, ${num(r.loaded.scoreHistory)} past scores; rollup rows 1m ${num(r.loaded.rollupRows['1m'])}, 1h ${num(r.loaded.rollupRows['1h'])}, 1d ${num(r.loaded.rollupRows['1d'])}`,
    `${label(`query (ms p50 / p95, n = ${r.queries[0]?.n ?? 0})`)}${'API'.padEnd(16)}${'direct SQL'.padEnd(16)}${'API/direct p95'.padEnd(16)}cached API`,
    ...r.queries.map((q) => `${label(q.name)}${ms(q.api)}${ms(q.direct)}${String(q.ratioP95).padEnd(16)}${ms(q.cached)}`),
    `${label('overview SQL, each alone')}${r.overviewParts.map((p) => `${p.name} ${p.direct.p50Ms} / ${p.direct.p95Ms}`).join('; ')}`,
    `${label('product index')}loaded in ${num(r.productIndex.loadMs)} ms, heap +${num(r.productIndex.heapMiB)} MiB`,
    `${label('resident memory')}${num(r.rssMiB.loaded)} MiB loaded, ${num(r.rssMiB.afterQueries)} MiB after the queries (peak ${num(r.rssMiB.peak)} MiB)`,
    '',
  ];
}
