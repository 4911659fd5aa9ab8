// The analytics routes against a real app (api role, chdb + PGlite) and constructed data whose
// answers are known: orders that follow views by two hours, region and video sums, exact
// forecasts stored on demand, similar products by words and shape, watchlists, CSV export.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POOL } from '../../analytics/forecast/backtest.js';
import { startApp, type App } from '../../app/start-app.js';
import { ManualClock } from '../../core/clock.js';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { regionOpportunity } from '../../api/queries/list-region-opportunities.js';
import { ENGAGEMENT_WEIGHTS } from '../../analytics/trend.js';
import { buildTextIndex, cosine } from '../../analytics/similarity.js';
import { Forecaster } from '../../processors/forecaster.js';
import { MetadataProcessor } from '../../processors/metadata.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import type { ProductMessage } from '../../schemas/events.js';
import type { ScoresUpdate } from '../../schemas/updates.js';

const H = 3_600_000;
const NOW_H = Date.UTC(2026, 10, 20, 12);
const clock = new ManualClock(NOW_H + 30 * 60_000);
/** Hourly events from this hour on, through the current hour (NOW_H). */
const START = NOW_H - 240 * H;
const iso = (ms: number) => new Date(ms).toISOString();

const PRODUCTS: ProductMessage[] = [
  { productId: 'lamp-1', title: 'Levitating Moon Lamp LED', category: 'Home', tags: ['lamp', 'led'] },
  { productId: 'lamp-2', title: 'Moon Lamp with LED Night Light', category: 'Home', tags: ['lamp'] },
  { productId: 'band-1', title: 'Resistance Bands, "Pro" Set', category: 'Fitness', tags: ['gym'] },
  { productId: 'mug-1', title: '=Self-stirring Mug', category: 'Kitchen' },
];

interface Ev { eventId: string; ts: number; productId: string; platform: string; region: string; videoId: string; views: number; likes: number; shares: number; comments: number; orders: number; revenue: number; searches: number }
const events: Ev[] = [];

/** lamp-1: pseudo-random views; orders are views two hours earlier / 10; US on even hours, DE on odd. lamp-2: twice lamp-1, no videos. */
function buildEvents() {
  let seed = 11;
  const views: number[] = [];
  const base = { likes: 0, shares: 0, comments: 0, revenue: 0, searches: 0 };
  for (let k = 0; START + k * H <= NOW_H; k++) {
    seed = (seed * 16807) % 2147483647;
    views.push(10 * (20 + (seed % 80)));
    const lamp = { ...base, views: views[k], orders: k >= 2 ? views[k - 2] / 10 : 0, likes: k % 3, comments: 1, region: k % 2 ? 'DE' : 'US', platform: 'tiktok' };
    events.push({ eventId: `lamp-1-${k}`, ts: START + k * H, productId: 'lamp-1', videoId: k % 2 ? 'lamp-1-v2' : 'lamp-1-v1', ...lamp });
    events.push({ eventId: `lamp-2-${k}`, ts: START + k * H, productId: 'lamp-2', videoId: '', ...lamp, views: 2 * lamp.views, orders: 2 * lamp.orders, likes: 2 * lamp.likes, comments: 2 });
  }
  for (let h = 72; h >= 1; h--) events.push({ eventId: `band-1-${h}`, ts: NOW_H - h * H, productId: 'band-1', platform: 'youtube', region: 'BR', videoId: 'band-1-v1', ...base, views: 100 + h, orders: 1, revenue: 25, likes: 5 });
  for (let h = 5; h >= 1; h--) events.push({ eventId: `mug-1-${h}`, ts: NOW_H - h * H, productId: 'mug-1', platform: 'amazon', region: 'US', videoId: '', ...base, views: 10, orders: 0 });
}

const within = (from: number, to: number, f: (e: Ev) => boolean = () => true) => events.filter((e) => e.ts >= from && e.ts < to && f(e));
const total = (es: Ev[], m: keyof typeof ENGAGEMENT_WEIGHTS | 'revenue') => es.reduce((a, e) => a + e[m], 0);
const demand = (es: Ev[]) => es.reduce((a, e) => a + Object.entries(ENGAGEMENT_WEIGHTS).reduce((s, [m, w]) => s + w * e[m as keyof typeof ENGAGEMENT_WEIGHTS], 0), 0);

let dir: string;
let app: App;
let url: string;

async function get(path: string) {
  const r = await fetch(`${url}/api/v1/${path}`);
  const text = await r.text();
  return { status: r.status, headers: r.headers, text, body: r.headers.get('content-type')?.includes('json') ? JSON.parse(text) : null };
}
async function send(method: string, path: string, body?: unknown) {
  const r = await fetch(`${url}/api/v1/${path}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  return { status: r.status, body: r.status === 204 ? null : await r.json() };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trenddrop-api-analytics-'));
  app = await startApp(loadConfig({ TRENDDROP_DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', TRENDDROP_SIMULATOR: 'off' }), { roles: ['api'], logger: createLogger('silent'), clock });
  url = `http://127.0.0.1:${app.port}`;
  const rt = app.runtime;
  buildEvents();
  const ch = rt.clickhouse.client;
  await ch.insert({ table: TABLES.events, format: 'JSONEachRow', values: events.map((e) => ({ ...e, late: 0, ingestedAt: e.ts })) });
  const metadata = new MetadataProcessor({ bus: rt.bus, topics: rt.topics, db: rt.postgres.db, ch, clock, logger: rt.logger, metrics: rt.metrics });
  await metadata.upsertProducts(PRODUCTS);
  await metadata.upsertVideos([
    { videoId: 'lamp-1-v1', productId: 'lamp-1', platform: 'tiktok', title: 'Moon lamp unboxing', url: 'https://example.com/v1', creator: 'ana', publishedAt: '2026-11-10T18:05:00.000Z', durationSec: 25, hashtags: ['#lamp', 'MoonLamp'] },
    { videoId: 'lamp-1-v2', productId: 'lamp-1', platform: 'tiktok', title: 'Room tour', creator: 'ben', publishedAt: '2026-11-11T09:00:00.000Z', durationSec: 200, hashtags: ['lamp'] },
  ]);
  const scores = [['lamp-1', 50, 'rising', 0.05], ['lamp-2', 30, 'declining', -0.01], ['band-1', 70, 'emerging', 0.2]] as const;
  await ch.insert({
    table: TABLES.trendScores, format: 'JSONEachRow',
    values: scores.map(([productId, score, label, velocity]) => ({
      productId, score, label, velocity, acceleration: 0.001, c_velocity: 0, c_acceleration: 0, c_volume: 0, c_breadth: 0, c_conversion: 0, c_saturation: 0, views24h: 0, orders24h: 0, computedAt: NOW_H,
    })),
  });
  // Announced as the scorer announces what it writes: the API's product index reads them then.
  const update: ScoresUpdate = { kind: 'scores', items: scores.map(([productId, score, label, velocity]) => ({ productId, score, label, velocity })) };
  await rt.bus.publish(rt.topics.updates, [{ key: 'scores', value: update }]);
});

afterAll(async () => {
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /products/:id/forecast', () => {
  it('computes a forecast on demand when none is stored without writing it (a GET never writes), and serves the stored one of the processors once there is one', async () => {
    const r = await get('products/lamp-1/forecast');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ horizon: 24, interval: '1h', generatedAt: iso(clock.now()) });
    // The watermark is the last event (NOW_H) and an hour of lateness is allowed: the hours from
    // NOW_H − 1 h on may still change, so the forecast starts there and is fitted on the hours before.
    expect(r.body.points.map((p: { ts: string }) => p.ts)).toEqual(Array.from({ length: 24 }, (_, i) => iso(NOW_H - H + i * H)));
    // Without the processors' MLP the API backtests the statistical models (and the pool, when it
    // is the choice); best first, the chosen one marked, each with sMAPE, coverage and the held-out
    // points they rest on.
    expect(r.body.backtest.map((b: { model: string }) => b.model).filter((m: string) => m !== POOL).sort()).toEqual(['combination', 'ets', 'seasonal-median', 'seasonal-naive', 'stl-ets', 'theta']);
    expect(r.body.backtest.filter((b: { chosen: boolean }) => b.chosen).map((b: { model: string }) => b.model)).toEqual([r.body.model]);
    expect(r.body.backtest[0].mase).toBeLessThanOrEqual(r.body.backtest[1].mase);
    for (const b of r.body.backtest) {
      expect(Object.keys(b).sort()).toEqual(['chosen', 'coverage80', 'coverage95', 'margin80', 'margin95', 'mase', 'model', 'points', 'relativeMase', 'smape']);
      // MASE against seasonal naive's on the same origins: what the product page compares models by.
      expect(b.relativeMase).toBeCloseTo(b.mase / r.body.backtest.find((x: { model: string }) => x.model === 'seasonal-naive').mase, 12);
      expect(b.points).toBeGreaterThan(0);
      // The coverage's margin across origins, never below the binomial margin on the points.
      expect(b.margin80).toBeGreaterThanOrEqual(1.96 * Math.sqrt((b.coverage80 * (1 - b.coverage80)) / b.points) - 1e-9);
    }

    const short = await get('products/lamp-1/forecast?horizon=6');
    expect(short.body.points).toEqual(r.body.points.slice(0, 6));
    expect(short.body.generatedAt).toBe(r.body.generatedAt);
    const stored = async () => {
      const rs = await app.runtime.clickhouse.client.query({ query: `SELECT count() AS n FROM ${TABLES.forecasts} WHERE productId = 'lamp-1'`, format: 'JSONEachRow' });
      return Number((await rs.json<{ n: number }>())[0].n);
    };
    expect(await stored()).toBe(0);

    // The processors' round stores a generation a minute later; the API answers with it.
    clock.advance(60_000);
    const rt = app.runtime;
    await new Forecaster({ ch: rt.clickhouse.client, clock, logger: rt.logger, allowedLatenessMs: rt.config.allowedLatenessMs, metrics: ['views'], updates: { bus: rt.bus, topics: rt.topics } }).round();
    expect(await stored()).toBe(24);
    const later = await get('products/lamp-1/forecast?horizon=12');
    expect(later.body.generatedAt).toBe(iso(clock.now()));
    expect(later.body.points).toEqual(r.body.points.slice(0, 12));
    // The stored generation carries the lifecycle stage computed with it, the same as on the spot.
    expect(later.body.lifecycle.stage).toBe(r.body.lifecycle.stage);
    expect(['emerging', 'rising', 'peaking', 'saturating', 'declining']).toContain(later.body.lifecycle.stage);
    expect(typeof later.body.lifecycle.growthPerStep).toBe('number');
    // The stage's curve is fitted on the last 72 hours, a window of its own (not the trend label's).
    expect(later.body.lifecycle.windowSteps).toBe(72);
    expect(r.body.lifecycle.windowSteps).toBe(72);

    // The explorer filters and sorts by that stage.
    const stage = later.body.lifecycle.stage;
    const listed = await get(`products?stage=${stage}`);
    expect(listed.body.items.map((p: { productId: string }) => p.productId)).toContain('lamp-1');
    expect(listed.body.items.every((p: { stage: string }) => p.stage === stage)).toBe(true);
    const byStage = await get('products?sort=stage');
    expect(byStage.body.items[0]).toMatchObject({ productId: 'lamp-1', stage });
    expect((await get('products?stage=booming')).status).toBe(400);
  });

  it('answers model null for a product with too little history, 404 for an unknown one, 400 beyond the horizon', async () => {
    expect((await get('products/mug-1/forecast?metric=orders')).body).toEqual({ model: null, horizon: 24, interval: '1h', points: [], backtest: [], generatedAt: null, lifecycle: null });
    expect((await get('products/nope/forecast')).status).toBe(404);
    const bad = await get('products/lamp-1/forecast?horizon=25');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('horizon');
  });
});

describe('GET /products/:id/similar', () => {
  it('ranks by text similarity and trend shape, with the reason', async () => {
    const r = await get('products/lamp-1/similar');
    expect(r.status).toBe(200);
    // Only lamp-2 shares words with lamp-1; its engagement is twice lamp-1's, the same shape.
    expect(r.body.items).toHaveLength(1);
    const index = buildTextIndex(PRODUCTS.map((p) => ({ id: p.productId, title: p.title, tags: p.tags, category: p.category })));
    const text = cosine(index.vectors.get('lamp-1')!, index.vectors.get('lamp-2')!);
    const [item] = r.body.items;
    expect(item).toMatchObject({ productId: 'lamp-2', title: 'Moon Lamp with LED Night Light', score: 30 });
    expect(item.similarity).toBeCloseTo(0.7 * text + 0.3, 4);
    expect(item.reason).toMatch(/^shares “(moon|lamp|led)”, “(moon|lamp|led)”, “(moon|lamp|led)”, same category; trend shape r = 1\.00$/);
    expect((await get('products/mug-1/similar')).body).toEqual({ items: [] });
  });
});

describe('GET /products/:id/regions and /videos', () => {
  const from = NOW_H - 48 * H;
  const q = `from=${iso(from)}&to=${iso(NOW_H)}`;

  it('sums the product per region with its share of views', async () => {
    const r = await get(`products/lamp-1/regions?${q}`);
    const us = within(from, NOW_H, (e) => e.productId === 'lamp-1' && e.region === 'US');
    const de = within(from, NOW_H, (e) => e.productId === 'lamp-1' && e.region === 'DE');
    const all = total(us, 'views') + total(de, 'views');
    const expected = [
      { region: 'US', name: 'United States', views: total(us, 'views'), orders: total(us, 'orders'), revenue: 0, share: total(us, 'views') / all },
      { region: 'DE', name: 'Germany', views: total(de, 'views'), orders: total(de, 'orders'), revenue: 0, share: total(de, 'views') / all },
    ].sort((a, b) => b.views - a.views);
    expect(r.body.items).toEqual(expected);
    expect((await get('products/nope/regions')).status).toBe(404);
  });

  it('lists the product videos most viewed first with metadata and engagement, page by page', async () => {
    const stats = (id: string) => {
      const es = events.filter((e) => e.videoId === id);
      return { views: total(es, 'views'), likes: total(es, 'likes'), shares: 0, comments: total(es, 'comments') };
    };
    const [a, b] = ['lamp-1-v1', 'lamp-1-v2'].sort((x, y) => stats(y).views - stats(x).views);
    const first = await get('products/lamp-1/videos?limit=1');
    expect(first.body.items).toHaveLength(1);
    expect(first.body.items[0]).toMatchObject({ videoId: a, platform: 'tiktok', ...stats(a), engagementRate: (stats(a).likes + stats(a).comments) / stats(a).views });
    const second = await get(`products/lamp-1/videos?limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((v: { videoId: string }) => v.videoId)).toEqual([b]);
    expect(second.body.nextCursor).toBeNull();
    const all = await get('products/lamp-1/videos');
    expect(all.body.items.find((v: { videoId: string }) => v.videoId === 'lamp-1-v1')).toMatchObject({
      title: 'Moon lamp unboxing', url: 'https://example.com/v1', creator: 'ana', publishedAt: '2026-11-10T18:05:00.000Z', durationSec: 25, hashtags: ['#lamp', 'MoonLamp'],
    });
    expect((await get('products/lamp-1/videos?cursor=bogus')).status).toBe(400);
  });
});

describe('GET /products/:id/timeseries', () => {
  it('marks the buckets that can still fill, and sums ISO weeks (Monday 00:00 UTC) with interval=1w', async () => {
    const r = await get(`products/lamp-1/timeseries?interval=1h&from=${iso(NOW_H - 4 * H)}&to=${iso(NOW_H + H)}`);
    expect(r.body.points.map((p: { partial: boolean }) => p.partial)).toEqual([false, false, false, true, true]);
    const monday = Date.UTC(2026, 10, 16); // NOW_H is Friday 20 November 2026
    const w = await get(`products/lamp-1/timeseries?interval=1w&from=${iso(monday - 14 * 86_400_000)}&to=${iso(NOW_H)}`);
    expect(w.status).toBe(200);
    const weeks = [monday - 14 * 86_400_000, monday - 7 * 86_400_000, monday];
    expect(w.body).toMatchObject({ interval: '1w' });
    expect(w.body.points).toEqual(weeks.map((t) => ({ ts: iso(t), value: total(within(t, t + 7 * 86_400_000, (e) => e.productId === 'lamp-1'), 'views'), partial: t === monday })));
    expect((await get('products/lamp-1/timeseries?interval=2w')).status).toBe(400);
  });
});

describe('GET /trends', () => {
  it('words the insight from settled hours only: the hour within the allowed lateness is left out of both windows', async () => {
    const settled = NOW_H - H; // watermark NOW_H, an hour of allowed lateness
    const lamp = (e: Ev) => e.productId === 'lamp-1';
    const current = total(within(settled - 48 * H, settled, lamp), 'views'), previous = total(within(settled - 96 * H, settled - 48 * H, lamp), 'views');
    const change = (current - previous) / previous;
    const trend = Math.abs(change) < 0.05 ? 'views steady over 48 h' : `views ${change > 0 ? 'up' : 'down'} ${Math.round(Math.abs(change) * 100)}% in 48 h`;
    expect((await get('products/lamp-1')).body.insight).toMatch(new RegExp(`^${trend}, led by TikTok in (US|DE)`));
  });

  it('puts several metrics of the chosen products on one zero-filled axis, with their velocity', async () => {
    const from = NOW_H - 6 * H;
    const r = await get(`trends?metrics=views,orders&interval=1h&from=${iso(from)}&to=${iso(NOW_H)}&productIds=lamp-1,lamp-2`);
    expect(r.status).toBe(200);
    const hours = Array.from({ length: 6 }, (_, i) => from + i * H);
    const at = (t: number, m: 'views' | 'orders') => total(within(t, t + H, (e) => e.productId.startsWith('lamp')), m);
    // The watermark is the latest event (NOW_H); with an hour of lateness the last hour can still fill.
    expect(r.body.interval).toBe('1h');
    expect(r.body.series).toEqual(['views', 'orders'].map((metric) => ({ metric, points: hours.map((t) => ({ ts: iso(t), value: at(t, metric as 'views' | 'orders'), partial: t + H > NOW_H - H })) })));
    expect(r.body.velocity).toEqual([
      { productId: 'lamp-1', title: 'Levitating Moon Lamp LED', velocity: 0.05, acceleration: 0.001, label: 'rising' },
      { productId: 'lamp-2', title: 'Moon Lamp with LED Night Light', velocity: -0.01, acceleration: 0.001, label: 'declining' },
    ]);
    const market = await get('trends');
    expect(market.body.series.map((s: { metric: string }) => s.metric)).toEqual(['views']);
    expect(market.body.velocity.map((v: { productId: string }) => v.productId)).toEqual(['band-1', 'lamp-1', 'lamp-2']);
  });

  it('rejects unknown metrics and too many products', async () => {
    expect((await get('trends?metrics=views,clicks')).status).toBe(400);
    const ids = Array.from({ length: 21 }, (_, i) => `p${i}`).join(',');
    expect((await get(`trends?productIds=${ids}`)).body.error.details).toEqual([{ field: 'productIds', reason: 'at most 20' }]);
  });
});

describe('GET /correlations', () => {
  it('finds that orders follow views by two hours, for the product and for its category, on complete hours only', async () => {
    for (const scope of ['product:lamp-1', 'category:Home']) {
      const r = await get(`correlations?scope=${scope}&maxLag=6`);
      expect(r.status).toBe(200);
      // 7 days up to the current hour, less the two hours that can still fill: 167 complete hours.
      expect(r.body).toMatchObject({ interval: '1h', maxLag: 6, tests: 21 * 13, alpha: 0.05, from: iso(NOW_H - 168 * H), to: iso(NOW_H - H) });
      expect(r.body.items).toHaveLength(21);
      const vo = r.body.items.find((i: { a: string; b: string }) => i.a === 'views' && i.b === 'orders');
      expect(vo).toMatchObject({ lag: 2, significant: true, products: scope === 'product:lamp-1' ? 1 : 2 });
      // In the category the traffic of the market outside it (band-1, mug-1) is regressed out, at some cost.
      expect(vo.r).toBeGreaterThan(scope === 'product:lamp-1' ? 0.95 : 0.75);
      // Fewer pairs than the 166 changes: the AR filter, the lag; fewer effective ones: the 24 hour-of-day means.
      expect(vo.n).toBeLessThan((scope === 'product:lamp-1' ? 1 : 2) * 164);
      expect(vo.nEffective).toBeLessThan(vo.n);
      expect(vo.pAdjusted).toBeLessThan(1e-6);
      // Revenue never moves (always 0): nothing to test.
      expect(r.body.items.find((i: { a: string; b: string }) => i.a === 'views' && i.b === 'revenue')).toMatchObject({ r: 0, n: 0, pValue: 1, significant: false });
    }
  });

  it('rejects a malformed scope and an unknown product', async () => {
    expect((await get('correlations?scope=brand:x')).status).toBe(400);
    expect((await get('correlations?scope=product:nope')).status).toBe(404);
  });
});

describe('GET /regions', () => {
  it('reports demand growth against competition per region', async () => {
    const from = NOW_H - 24 * H;
    const r = await get(`regions?from=${iso(from)}&to=${iso(NOW_H)}`);
    expect(r.status).toBe(200);
    const active = new Set(within(from, NOW_H).map((e) => e.productId)).size;
    const expected = ['US', 'DE', 'BR'].map((region) => {
      const now = within(from, NOW_H, (e) => e.region === region);
      const prev = within(from - 24 * H, from, (e) => e.region === region);
      const products = new Set(now.map((e) => e.productId)).size;
      const growth = Math.log((1 + demand(now)) / (1 + demand(prev)));
      return {
        region, views: total(now, 'views'), orders: total(now, 'orders'), revenue: total(now, 'revenue'), products,
        growth: expect.closeTo(growth, 9), competition: products / active, opportunity: regionOpportunity(demand(now), demand(prev), products, active).opportunity,
      };
    }).sort((a, b) => b.views - a.views);
    expect(r.body.items).toMatchObject(expected);
    expect(r.body.items.find((i: { region: string }) => i.region === 'US')).toMatchObject({ name: 'United States', products: 3, competition: 0.75 });
  });
});

describe('GET /videos', () => {
  const from = NOW_H - 48 * H;
  const q = `from=${iso(from)}&to=${iso(NOW_H)}`;

  it('breaks video engagement down by platform, hashtag, posting hour and duration', async () => {
    const r = await get(`videos?${q}`);
    expect(r.status).toBe(200);
    const v = (id: string) => within(from, NOW_H, (e) => e.videoId === id);
    const rate = (es: Ev[]) => (total(es, 'likes') + total(es, 'comments')) / total(es, 'views');
    const tiktok = [...v('lamp-1-v1'), ...v('lamp-1-v2')];
    expect(r.body.byPlatform).toEqual([
      { platform: 'tiktok', videos: 2, views: total(tiktok, 'views'), engagementRate: rate(tiktok) },
      { platform: 'youtube', videos: 1, views: total(v('band-1-v1'), 'views'), engagementRate: rate(v('band-1-v1')) },
    ]);
    expect(r.body.items.map((i: { videoId: string; productId: string }) => [i.productId, i.videoId])).toEqual(
      [['lamp-1', 'lamp-1-v1'], ['lamp-1', 'lamp-1-v2'], ['band-1', 'band-1-v1']].sort((a, b) => total(v(b[1]), 'views') - total(v(a[1]), 'views')));
    expect(r.body.nextCursor).toBeNull();
    // Insights come from the metadata: band-1-v1 has none.
    expect(r.body.hashtags).toEqual([
      { tag: 'lamp', videos: 2, views: total(tiktok, 'views') },
      { tag: 'moonlamp', videos: 1, views: total(v('lamp-1-v1'), 'views') },
    ]);
    expect(r.body.byHour).toHaveLength(24);
    expect(r.body.byHour.filter((h: { videos: number }) => h.videos)).toEqual([
      { hour: 9, videos: 1, avgViews: total(v('lamp-1-v2'), 'views') },
      { hour: 18, videos: 1, avgViews: total(v('lamp-1-v1'), 'views') },
    ]);
    expect(r.body.byDuration.filter((d: { videos: number }) => d.videos)).toEqual([
      { bucket: '15–30 s', videos: 1, avgEngagementRate: rate(v('lamp-1-v1')) },
      { bucket: '3–10 min', videos: 1, avgEngagementRate: rate(v('lamp-1-v2')) },
    ]);
  });

  it('filters by platform and pages through the videos', async () => {
    const yt = await get(`videos?${q}&platform=youtube`);
    expect(yt.body.items.map((i: { videoId: string }) => i.videoId)).toEqual(['band-1-v1']);
    expect(yt.body.byPlatform.map((p: { platform: string }) => p.platform)).toEqual(['youtube']);
    const p1 = await get(`videos?${q}&limit=2`);
    const p2 = await get(`videos?${q}&limit=2&cursor=${p1.body.nextCursor}`);
    expect([...p1.body.items, ...p2.body.items].map((i: { videoId: string }) => i.videoId).sort()).toEqual(['band-1-v1', 'lamp-1-v1', 'lamp-1-v2']);
    expect(p2.body.nextCursor).toBeNull();
    expect((await get(`videos?platform=myspace`)).status).toBe(400);
  });
});

describe('watchlists', () => {
  it('creates a list, adds and removes products, and lists them', async () => {
    const created = await send('POST', 'watchlists', { name: ' Lamps ' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Lamps', productIds: [] });
    const id = created.body.watchlistId;
    expect((await send('POST', `watchlists/${id}/items`, { productId: 'lamp-1' })).status).toBe(201);
    const again = await send('POST', `watchlists/${id}/items`, { productId: 'lamp-1' });
    expect(again).toMatchObject({ status: 200, body: { productIds: ['lamp-1'] } });
    await send('POST', `watchlists/${id}/items`, { productId: 'lamp-2' });
    const listed = await get('watchlists');
    expect(listed.body).toMatchObject({ items: [{ watchlistId: id, name: 'Lamps', productIds: ['lamp-1', 'lamp-2'] }], nextCursor: null });
    expect((await send('DELETE', `watchlists/${id}/items/lamp-1`)).status).toBe(204);
    expect((await send('DELETE', `watchlists/${id}/items/lamp-1`)).status).toBe(204);
    expect((await get('watchlists')).body.items[0].productIds).toEqual(['lamp-2']);
  });

  it('pages, and refuses unknown lists, unknown products and blank names', async () => {
    await send('POST', 'watchlists', { name: 'Second' });
    const p1 = await get('watchlists?limit=1');
    const p2 = await get(`watchlists?limit=1&cursor=${p1.body.nextCursor}`);
    expect([p1.body.items[0].name, p2.body.items[0].name]).toEqual(['Lamps', 'Second']);
    expect((await send('POST', 'watchlists/999/items', { productId: 'lamp-1' })).status).toBe(404);
    expect((await send('DELETE', 'watchlists/999/items/lamp-1')).status).toBe(404);
    const unknown = await send('POST', `watchlists/${p1.body.items[0].watchlistId}/items`, { productId: 'nope' });
    expect(unknown).toMatchObject({ status: 400, body: { error: { details: [{ field: 'productId', reason: 'no product nope' }] } } });
    expect((await send('POST', 'watchlists', { name: '   ' })).status).toBe(400);
  });
});

describe('GET /export/products.csv', () => {
  it('streams the explorer list as CSV with the same filters and sort', async () => {
    const r = await get('export/products.csv');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(r.headers.get('content-disposition')).toBe('attachment; filename="trenddrop-products.csv"');
    const lines = r.text.trimEnd().split('\n');
    expect(lines[0]).toBe('productId,title,category,brand,price,currency,score,label,velocity,acceleration,views24h,orders24h,updatedAt');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['band-1', 'lamp-1', 'lamp-2', 'mug-1']);
    // Quotes and commas are escaped; a title a spreadsheet would run as a formula is defused.
    expect(lines[1]).toMatch(/^band-1,"Resistance Bands, ""Pro"" Set",Fitness,,,,70,emerging,0\.2,0\.001,/);
    expect(lines[4]).toMatch(/^mug-1,'=Self-stirring Mug,Kitchen,/);
    const home = await get('export/products.csv?category=Home&sort=title');
    expect(home.text.trimEnd().split('\n').slice(1).map((l) => l.split(',')[0])).toEqual(['lamp-1', 'lamp-2']);
    expect((await get('export/products.csv?minScore=200')).status).toBe(400);
  });
});

describe('OpenAPI', () => {
  it('documents every analytics route with its parameters', async () => {
    const doc = (await get('openapi.json')).body;
    for (const path of ['/products/{id}/forecast', '/products/{id}/similar', '/products/{id}/regions', '/products/{id}/videos', '/trends', '/correlations', '/regions', '/videos', '/watchlists', '/watchlists/{id}/items', '/watchlists/{id}/items/{productId}', '/export/products.csv']) {
      expect(doc.paths[`/api/v1${path}`], path).toBeDefined();
    }
    expect(doc.paths['/api/v1/products/{id}/forecast'].get.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['horizon', 'id', 'metric']);
  });
});

describe('native step', () => {
  it('charts a weekly import at its own step by default: one value per week on its own weekday, not a day and six zeros', async () => {
    // A Google Trends-like export: weekly points dated Sunday 00:00 UTC, the last one this week's.
    const lastSunday = Date.UTC(2026, 10, 15);
    const weeks = Array.from({ length: 30 }, (_, k) => lastSunday - (29 - k) * 7 * 86_400_000);
    const value = (k: number) => 40 + ((k * 37) % 60);
    await app.runtime.clickhouse.client.insert({
      table: TABLES.events, format: 'JSONEachRow',
      values: weeks.map((ts, k) => ({ eventId: `gt-1-${k}`, ts, productId: 'gt-1', platform: 'google', region: 'US', videoId: '', views: 0, likes: 0, shares: 0, comments: 0, orders: 0, revenue: 0, searches: value(k), late: 0, ingestedAt: ts })),
    });
    const r = await get(`products/gt-1/timeseries?metric=searches&from=${iso(weeks[0])}&to=${iso(NOW_H)}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ interval: '1w', native: true });
    expect(r.body.points).toEqual(weeks.map((ts, k) => ({ ts: iso(ts), value: value(k), partial: k === 29 })));
    // Without a range, the history is shown where it lies: first to last week, not up to now.
    expect((await get('products/gt-1/timeseries?metric=searches')).body.points.map((p: { ts: string }) => p.ts)).toEqual(weeks.map(iso));
    // An interval asked for is served as asked (ISO weeks here), and said not to be native.
    const iso1w = await get(`products/gt-1/timeseries?metric=searches&interval=1w&from=${iso(weeks[0])}&to=${iso(NOW_H)}`);
    expect(iso1w.body).toMatchObject({ interval: '1w', native: false });
    expect(new Date(iso1w.body.points[0].ts).getUTCDay()).toBe(1);
    // A live product's native step is the hour.
    expect((await get(`products/lamp-1/timeseries?from=${iso(NOW_H - 3 * H)}`)).body).toMatchObject({ interval: '1h', native: true });
  });
});
