// The typed contract holds at run time: every read answers a body its declared response schema
// accepts (the schemas the dashboard's types come from), the OpenAPI document declares a success
// and an error response for every operation, and alerts carry their product's title.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Type from 'typebox';
import { Check, Errors } from 'typebox/value';
import { alerts } from '../../schemas/postgres/schema.js';
import { AlertPage } from '../../api/schemas/alerts.js';
import { ErrorBody } from '../../api/schemas/common.js';
import { Forecast } from '../../api/schemas/forecast.js';
import { ForecastCalibration, ForecastPage } from '../../api/schemas/forecasts.js';
import { AgentStatus, Overview } from '../../api/schemas/overview.js';
import { ProductDetail, ProductPage, Timeseries } from '../../api/schemas/products.js';
import { ProductRegions, RegionOpportunities } from '../../api/schemas/regions.js';
import { SimilarProducts } from '../../api/schemas/similar.js';
import { Correlations, Trends } from '../../api/schemas/trends.js';
import { VideoAnalytics, VideoPage } from '../../api/schemas/videos.js';
import { WatchlistPage } from '../../api/schemas/watchlists.js';
import { get, makeEvents, post, startTestApp, tempDir, type TestApp } from '../helpers/app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp(tempDir('contract'));
  await post(t.url, 'products', [{ productId: 'p-1', title: 'Levitating Moon Lamp', category: 'Home', price: 19.5, tags: ['lamp'] }, { productId: 'p-2', title: 'Moon Lamp Mini', category: 'Home' }]);
  await post(t.url, 'videos', { videoId: 'v-1', productId: 'p-1', platform: 'tiktok', title: 'Unboxing', hashtags: ['#lamp'], durationSec: 30, publishedAt: new Date(Date.now() - 3_600_000).toISOString() });
  await post(t.url, 'events', [...makeEvents('p-1', 30, Date.now() - 2 * 3_600_000, 60_000).map((e) => ({ ...e, videoId: 'v-1' })), ...makeEvents('p-2', 10, Date.now() - 3_600_000, 60_000), ...makeEvents('ghost', 3, Date.now() - 3_600_000)]);
  await post(t.url, 'watchlists', { name: 'Lamps' });
  await t.app.drain();
  const db = t.app.runtime.postgres.db;
  await db.insert(alerts).values([
    { productId: 'p-1', kind: 'breakout', severity: 'warning', message: 'views up', value: 2.5, dedupKey: 'p-1:1', at: new Date() },
    { productId: 'ghost', kind: 'breakout', severity: 'info', message: 'views up', value: null, dedupKey: 'ghost:1', at: new Date() },
  ]);
});
afterAll(async () => { await t?.stop(); });

const READS: [string, Type.TSchema][] = [
  ['overview?range=24h', Overview],
  ['overview?range=7d', Overview],
  ['agent', AgentStatus],
  ['products', ProductPage],
  ['products?sort=title&limit=1', ProductPage],
  ['products/p-1', ProductDetail],
  ['products/ghost', ProductDetail],
  ['products/p-1/timeseries?interval=1m', Timeseries],
  ['products/p-1/forecast', Forecast],
  ['forecasts', ForecastPage],
  ['forecasts/calibration', ForecastCalibration],
  ['products/p-1/similar', SimilarProducts],
  ['products/p-1/regions', ProductRegions],
  ['products/p-1/videos', VideoPage],
  ['trends?metrics=views,orders', Trends],
  ['trends?productIds=p-1,p-2', Trends],
  ['correlations', Correlations],
  ['regions', RegionOpportunities],
  ['videos', VideoAnalytics],
  ['alerts', AlertPage],
  ['watchlists', WatchlistPage],
];

describe('responses match their schemas', () => {
  it.each(READS)('GET %s', async (path, schema) => {
    const r = await get(t.url, path);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect([...Errors(schema, r.body)].slice(0, 5)).toEqual([]);
    expect(Check(schema, r.body)).toBe(true);
  });

  it('errors in the one documented shape', async () => {
    for (const path of ['products/nobody', 'products?limit=0', 'no-such-route']) {
      const r = await get(t.url, path);
      expect(Check(ErrorBody, r.body), JSON.stringify(r.body)).toBe(true);
    }
  });
});

describe('alerts', () => {
  it('carry the title of their product, or its id while it has no metadata', async () => {
    const { body } = await get(t.url, 'alerts');
    const byProduct = Object.fromEntries(body.items.map((a: { productId: string; title: string }) => [a.productId, a.title]));
    expect(byProduct).toEqual({ 'p-1': 'Levitating Moon Lamp', ghost: 'ghost' });
  });
});

describe('OpenAPI', () => {
  it('declares a success response with its schema, and the error shape, for every operation', async () => {
    const doc = (await get(t.url, 'openapi.json')).body;
    const ops = Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>)
      .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, responses: op.responses })));
    expect(ops.length).toBeGreaterThan(20);
    for (const { name, responses } of ops) {
      const ok = Object.keys(responses).filter((c) => /^2\d\d$/.test(c));
      expect(ok.length, name).toBeGreaterThan(0);
      for (const c of ok.filter((c) => c !== '204')) expect(Object.values(responses[c].content ?? {})[0]?.schema, `${name} ${c}`).toBeDefined();
      if (!name.includes('/health') && !name.includes('/ready')) {
        expect(Object.values(responses['400']?.content ?? {})[0]?.schema, `${name} 400`).toMatchObject({ properties: { error: expect.anything() } });
      }
    }
  });
});
