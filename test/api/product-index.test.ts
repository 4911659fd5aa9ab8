// The product index against a real chdb: the explorer's pages (every sort both ways, every
// filter, all pages by cursor) and the overview's score figures, categories and top products equal
// what SQL answers on the same rows — when loaded, after a score, a metadata and a lifecycle
// update announced on the bus, and after a restart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBus } from '../../core/bus/local.js';
import { topics as topicsOf } from '../../core/bus/topics.js';
import { createLogger } from '../../core/logger.js';
import { migrateClickHouse, openClickHouse, type ClickHouseStore } from '../../core/stores/clickhouse.js';
import { startProductIndex, type ProductIndex } from '../../api/product-index.js';
import { compareStrings, listProducts, type ListProductsParams } from '../../api/queries/list-products.js';
import { getOverviewKpis } from '../../api/queries/get-overview-kpis.js';
import { listCategoryStats } from '../../api/queries/list-category-stats.js';
import { listTopProducts } from '../../api/queries/list-top-products.js';
import { getOverview } from '../../api/queries/get-overview.js';
import { rows } from '../../api/queries/sql.js';
import type { AgentStatus, Range } from '../../api/schemas/overview.js';
import { SORT_KEYS } from '../../api/schemas/products.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import type { Update } from '../../schemas/updates.js';
import { watchQueries } from '../helpers/watch-queries.js';

const H = 3_600_000;
const NOW = Date.UTC(2026, 10, 20, 12, 30);
const logger = createLogger('silent');
let dir: string;
let store: ClickHouseStore;
let bus: LocalBus;
const topics = topicsOf('test.');
let index: ProductIndex;
let changes = 0;

const CATEGORIES = ['Home', 'Beauty', 'Fitness'];
const LABELS = ['emerging', 'rising', 'steady', 'declining', 'peaking'];
const STAGES = ['emerging', 'rising', 'peaking', 'saturating', 'declining'];
const ids = Array.from({ length: 40 }, (_, i) => `p-${String(i).padStart(2, '0')}`);

const product = (id: string, i: number, updatedAt: number, over: Record<string, unknown> = {}) => ({
  productId: id, title: i % 7 === 0 ? `Ünïcode Lamp ${i}` : `${i % 2 ? 'Smart' : 'Eco'} ${i % 3 ? 'Lamp' : 'Mug'} ${i % 5}`, category: CATEGORIES[i % 3],
  brand: i % 4 ? `Brand ${i % 4}` : '', price: i % 6 === 0 ? null : 5 + (i % 9), currency: 'USD', imageUrl: i % 5 ? `https://img/${id}.jpg` : '', source: 'test',
  tags: i % 3 ? ['lamp'] : ['mug', 'LAMP'], updatedAt, ...over,
});
// Scores with ties (the id breaks them), some products unscored, one scored product without metadata.
const score = (id: string, i: number, hour: number, over: Record<string, unknown> = {}) => ({
  productId: id, computedAt: NOW - hour * H, stepSec: 3600, score: (i * 37) % 11 * 9.5, label: LABELS[i % 5], velocity: (i % 4) - 1.5, acceleration: i % 3,
  momentum: 0, c_velocity: 0, c_acceleration: 0, c_volume: 0, c_breadth: 0, c_conversion: 0, c_saturation: 0, views24h: (i * 13) % 7 * 100, orders24h: i % 3, scoredAt: NOW, ...over,
});
const stage = (id: string, i: number, computedAt: number, over: Record<string, unknown> = {}) => ({
  productId: id, metric: 'views', computedAt, granularity: '1h', stage: STAGES[i % 5], growth: 0.1, peakAt: i % 2 ? Math.floor((NOW + i * H) / 1000) : null, peakLo: null, peakHi: null, ...over,
});
const event = (id: string, i: number) => ({
  eventId: `${id}-e`, ts: NOW - (i % 30) * H, productId: id, platform: i % 2 ? 'tiktok' : 'amazon', region: i % 3 ? 'US' : 'DE', videoId: '',
  views: 10 + i, likes: 0, shares: 0, comments: 0, orders: i % 4, revenue: 0, searches: 0, late: 0, ingestedAt: NOW,
});

const insert = (table: string, values: Record<string, unknown>[]) => store.client.insert({ table, values, format: 'JSONEachRow' });
const announce = (u: Update) => bus.publish(topics.updates, [{ key: u.kind, value: u }]);
/** Resolves after the index has applied what was announced since it was called. */
function applied(): () => Promise<void> {
  const before = changes;
  return async () => {
    for (let i = 0; i < 200 && changes === before; i++) await new Promise((r) => setTimeout(r, 25));
    expect(changes).toBeGreaterThan(before);
  };
}
const start = () => startProductIndex({ ch: store.client, bus, topics, logger, onChange: () => changes++ });

const queries: ListProductsParams[] = [
  ...SORT_KEYS.flatMap((k) => [{ sort: k }, { sort: `-${k}` }] as ListProductsParams[]),
  { q: 'lamp' }, { q: 'ÜNÏ', sort: 'title' }, { q: 'brand 2' }, { category: 'Beauty', sort: '-views' }, { label: 'rising' }, { stage: 'peaking', sort: 'price' },
  { minScore: 20, maxScore: 60 }, { minPrice: 7, maxPrice: 10, sort: '-price' }, { region: 'DE' }, { platform: 'tiktok', region: 'US', sort: 'velocity' },
];

/** Every page of a query (eight products a page, by cursor), from the index or from SQL. */
async function pages(q: ListProductsParams, productIndex: ProductIndex | null) {
  const out = [];
  let cursor: string | undefined;
  do {
    const page = await listProducts({ ch: store.client, productIndex }, NOW, { ...q, limit: 8, cursor });
    out.push(page);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && out.length < 10);
  return out;
}

async function overview(productIndex: ProductIndex | null) {
  const d = { ch: store.client, productIndex };
  return { kpis: await getOverviewKpis(d, NOW), categories: await listCategoryStats(d, Math.floor((NOW - 24 * H) / 1000)), top: await listTopProducts(d, 10) };
}

async function expectSameAnswers() {
  for (const q of queries) {
    expect(await pages(q, index), JSON.stringify(q)).toEqual(await pages(q, null));
  }
  expect(await overview(index)).toEqual(await overview(null));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trenddrop-product-index-'));
  store = await openClickHouse({ clickhouseUrl: '', dataDir: dir });
  await migrateClickHouse(store.client, logger);
  bus = new LocalBus({ dir: null, partitions: 1, logger });
  await insert(TABLES.products, ids.map((id, i) => product(id, i, NOW - H)));
  await insert(TABLES.trendScores, [...ids.filter((_, i) => i % 8 !== 3).map((id, i) => score(id, i, 1)), score('orphan', 5, 1)]);
  await insert(TABLES.productLifecycle, ids.filter((_, i) => i % 3 !== 1).map((id, i) => stage(id, i, NOW - H)));
  // Events of a product without metadata: its views are in no category.
  await insert(TABLES.events, [...ids.map((id, i) => event(id, i)), event('ghost', 1)]);
  index = await start();
}, 60_000);

afterAll(async () => {
  await index?.stop();
  await bus?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('product index', () => {
  it('answers as SQL does once loaded', async () => {
    expect((await pages({ sort: '-score' }, index)).flatMap((p) => p.items)).toHaveLength(ids.length);
    await expectSameAnswers();
  });

  it('follows a score update announced on the bus', async () => {
    const wait = applied();
    await insert(TABLES.trendScores, [score('p-01', 1, 0, { score: 99.5, label: 'emerging', views24h: 12345 }), score('p-03', 3, 0, { score: 0.5 })]);
    await announce({ kind: 'scores', items: [{ productId: 'p-01', score: 99.5, label: 'emerging', velocity: 0 }, { productId: 'p-03', score: 0.5, label: 'steady', velocity: 0 }] });
    await wait();
    expect((await listProducts({ ch: store.client, productIndex: index }, NOW, { limit: 1 })).items[0]).toMatchObject({ productId: 'p-01', score: 99.5, views24h: 12345 });
    await expectSameAnswers();
  });

  it('follows a metadata update and a lifecycle update announced on the bus', async () => {
    let wait = applied();
    await insert(TABLES.products, [product('p-02', 2, NOW, { title: 'Renamed Widget', category: 'Garden', price: 999 }), product('orphan', 9, NOW)]);
    await announce({ kind: 'products', productIds: ['p-02', 'orphan'] });
    await wait();
    expect((await listProducts({ ch: store.client, productIndex: index }, NOW, { category: 'Garden' })).items.map((p) => p.title)).toEqual(['Renamed Widget']);
    wait = applied();
    await insert(TABLES.productLifecycle, [stage('p-04', 2, NOW, { stage: 'saturating' })]);
    await announce({ kind: 'lifecycle', productIds: ['p-04'] });
    await wait();
    expect((await listProducts({ ch: store.client, productIndex: index }, NOW, { stage: 'saturating' })).items.map((p) => p.productId)).toContain('p-04');
    // A product first seen in events: the raw sink's placeholder row, named by the update of its write.
    wait = applied();
    await insert(TABLES.products, [product('new-1', 1, 0, { title: 'new-1', category: 'Uncategorized', brand: '', price: null, currency: '', imageUrl: '', tags: [] })]);
    await announce({ kind: 'engagement-stored', acceptedAt: NOW, deliveredAt: NOW, startedAt: NOW, writtenAt: NOW, lastEventAt: new Date(NOW).toISOString(), newProducts: ['new-1'] });
    await wait();
    expect((await listProducts({ ch: store.client, productIndex: index }, NOW, { category: 'Uncategorized' })).items.map((p) => p.productId)).toEqual(['new-1']);
    await expectSameAnswers();
  });

  it('keeps category views while their hours take no events, re-reading the newest hours alone for live events', async () => {
    const from = Math.floor((NOW - 24 * H) / 1000);
    /** The spans of views read, [from, to) in hours from NOW's hour. */
    const reads: number[][] = [];
    const counted = watchQueries(store.client, (q) => {
      const p = q.query_params as { from: number; to: number };
      if (q.query.includes('{to:UInt32}')) reads.push([p.from, Math.min(p.to, 2 ** 31)].map((t) => Math.floor((t * 1000 - Math.floor(NOW / H) * H) / H)));
    });
    const categories = (productIndex: ProductIndex | null) => listCategoryStats({ ch: counted, productIndex }, from);
    const same = async () => expect(await categories(index)).toEqual(await categories(null));
    await categories(index);
    reads.length = 0;
    await same();
    expect(reads).toEqual([]);
    // `from` a quarter later (the 24h timeline's next step) starts at the same whole hour: nothing is read again.
    expect(await listCategoryStats({ ch: counted, productIndex: index }, from + 900)).toEqual(await categories(null));
    expect(reads).toEqual([]);
    // Live: an event in the current hour; and one in the next hour, which becomes the newest.
    await insert(TABLES.events, [{ ...event('p-06', 6), eventId: 'live-1', ts: NOW + 60_000, views: 7 }]);
    await same();
    expect(reads).toEqual([[0, 1]]);
    reads.length = 0;
    await insert(TABLES.events, [{ ...event('p-07', 7), eventId: 'live-2', ts: NOW + H, views: 9 }]);
    await same();
    // The hour before NOW's leaves the newest two: the block now ends at NOW's hour (and starts at
    // the first whole hour since `from`, half an hour past NOW's hour a day ago).
    expect(reads).toEqual([[-23, 0], [1, 2]]);
    reads.length = 0;
    // Late: an event in an hour of the block, one of a product without metadata (in no category).
    await insert(TABLES.events, [{ ...event('p-05', 5), eventId: 'late-1', ts: NOW - 5 * H, views: 1000 }, { ...event('ghost', 2), eventId: 'ghost-2', ts: NOW - 5 * H }]);
    await same();
    expect(reads).toEqual([[-23, 0]]);
    expect((await categories(index)).find((c) => c.category === CATEGORIES[5 % 3])!.views).toBeGreaterThan(1000);
  });

  it('answers the whole overview of every range as SQL does, after live and late events, reading events per hour once', async () => {
    /** Reads of events per hour of all products (the timeline's steps and views per product aside). */
    let hourlyReads = 0;
    /** The spans of timeline steps read, [from, to) in hours from NOW's hour, by range. */
    const timelineReads: Record<string, number[][]> = {};
    let range: Range = '1h';
    const counted = watchQueries(store.client, (q) => {
      if (q.query.includes(`FROM ${TABLES.engagement1h} WHERE bucket`) && !/productId|toStartOfInterval/.test(q.query)) hourlyReads++;
      const p = q.query_params as { from: number; to: number };
      if (q.query.includes('toStartOfInterval')) (timelineReads[range] ??= []).push([p.from, p.to].map((t) => (t * 1000 - Math.floor(NOW / H) * H) / H));
    });
    const agent: AgentStatus = { status: 'off', sources: [] } as unknown as AgentStatus;
    // The SQL answer on the store's own client: only the index's reads are watched.
    const overviewOf = (productIndex: ProductIndex | null, range: Range) =>
      getOverview({ ch: productIndex ? counted : store.client, productIndex, now: NOW, time: { watermarkMs: NOW, allowedLatenessMs: 5000 }, agentStatus: async () => agent }, range);
    const sum = async (from: number, to: number, metric: 'events' | 'orders' = 'events') => Number((await rows<{ n: string }>(store.client, `SELECT sum(${metric}) AS n FROM ${TABLES.engagement1h} WHERE bucket >= toDateTime({from:UInt32}) AND bucket < toDateTime({to:UInt32})`, { from, to }))[0].n);
    const hour = (ms: number) => Math.floor(ms / H) * 3600;
    const same = async () => {
      for (range of ['1h', '24h', '7d', '30d'] as const) {
        hourlyReads = 0;
        const o = await overviewOf(index, range);
        expect(hourlyReads, range).toBe(1);
        expect(o, range).toEqual(await overviewOf(null, range));
        expect(o.kpis.events24h).toBe(await sum(hour(NOW - 24 * H), 2 ** 32 - 1));
        expect(o.kpis.previous.events24h).toBe(await sum(hour(NOW - 48 * H), hour(NOW - 24 * H)));
        expect(o.kpis.orders24h).toBe(await sum(hour(NOW - 24 * H), 2 ** 32 - 1, 'orders'));
        expect(o.kpis.previous.orders24h).toBe(await sum(hour(NOW - 48 * H), hour(NOW - 24 * H), 'orders'));
      }
    };
    const indexReads = () => Object.fromEntries(['1h', '24h', '7d', '30d'].map((r) => [r, timelineReads[r] ?? []]));
    await same();
    // Kept while no hour takes events: the index's answers read no step again.
    for (const k of Object.keys(timelineReads)) delete timelineReads[k];
    await same();
    expect(indexReads()).toEqual({ '1h': [], '24h': [], '7d': [], '30d': [] });
    // Live: the current hour, read again alone (30d: the six-hour step that holds it).
    for (const k of Object.keys(timelineReads)) delete timelineReads[k];
    await insert(TABLES.events, [{ ...event('p-08', 8), eventId: 'live-3', ts: NOW + 120_000, views: 11 }]);
    await same();
    const sixHours = Math.floor(NOW / (6 * H)) * 6 - Math.floor(NOW / H);
    expect(indexReads()).toEqual({ '1h': [[0, 1]], '24h': [[0, 1]], '7d': [[0, 1]], '30d': [[sixHours, sixHours + 6]] });
    // Late: an hour of the day before, of a product first seen then.
    await insert(TABLES.events, [{ ...event('late-new', 3), eventId: 'late-3', ts: NOW - 30 * H, views: 500 }, { ...event('p-09', 9), eventId: 'late-4', ts: NOW - 40 * H }]);
    await same();
  });

  it('answers the same after a restart', async () => {
    const answers = async () => ({ pages: await Promise.all(queries.map((q) => pages(q, index))), overview: await overview(index) });
    const before = await answers();
    await index.stop();
    index = await start();
    expect(await answers()).toEqual(before);
  });
});

describe('compareStrings', () => {
  it('orders as ClickHouse does, by the bytes of UTF-8', () => {
    const samples = ['', 'a', 'ab', 'b', 'Z', 'é', '\u00ff', '\u0100', '\ue000', '\ufffd', '\uffff', '😀', 'a😀', 'a\ufffd'];
    for (const a of samples) for (const b of samples) expect(Math.sign(compareStrings(a, b)), `${a} / ${b}`).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
  });
});
