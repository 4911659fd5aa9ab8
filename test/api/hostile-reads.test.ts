// Every read an attacker (or a careless script) might send gets a 4xx in the documented error
// shape naming the field at fault, never a 500 and never a 200 with a garbled answer. Requests
// go out raw (node:http), so the path bytes arrive exactly as written here.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEvents, post, startTestApp, tempDir, type TestApp } from '../helpers/app.js';

let t: TestApp;

function raw(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: t.app.port, method: 'GET', path }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c) => { text += c; }).on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.end();
  });
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const long = 'x'.repeat(5000);

beforeAll(async () => {
  t = await startTestApp(tempDir('hostile-reads'), {}, ['ingest', 'processors', 'api']);
  await post(t.url, 'products', { productId: 'p-1', title: 'Known product' });
  await post(t.url, 'events', makeEvents('p-1', 3, Date.now() - 3_600_000));
  await t.app.drain();
});
afterAll(async () => { await t?.stop(); });

// [path under /api/v1/, the field the error must name]
const HOSTILE: [string, string][] = [
  // numbers out of any range, or no number at all
  ['products?limit=1e400', 'limit'],
  ['products?limit=-1', 'limit'],
  ['products?limit=0', 'limit'],
  ['products?limit=1.5', 'limit'],
  ['products?limit=NaN', 'limit'],
  ['products?limit=Infinity', 'limit'],
  ['products?limit=', 'limit'],
  ['products?limit=10&limit=20', 'limit'],
  ['products?minScore=1e400', 'minScore'],
  ['products?minScore=-Infinity', 'minScore'],
  ['products?minScore=NaN', 'minScore'],
  ['products?maxScore=101', 'maxScore'],
  ['products?minScore=80&maxScore=20', 'minScore'],
  ['products?maxPrice=1e400', 'maxPrice'],
  ['products?minPrice=-5', 'minPrice'],
  ['products?minPrice=2e308', 'minPrice'],
  ['products?maxPrice=10000001', 'maxPrice'],
  // unknown enum values, arrays where a scalar is expected, huge strings
  ['products?sort=password', 'sort'],
  ['products?sort=-', 'sort'],
  ['products?sort=score&sort=title', 'sort'],
  ['products?label=viral', 'label'],
  ['products?platform=myspace', 'platform'],
  ['products?region=usa', 'region'],
  [`products?q=${long}`, 'q'],
  [`products?category=${long}`, 'category'],
  // tampered cursors: not base64 JSON, or a well-formed array of the wrong types or length
  ['products?cursor=WyJ4IiwieSJd', 'cursor'],
  ['products?cursor=not-a-cursor', 'cursor'],
  [`products?cursor=${b64([1e308 * 10, 'p'])}`, 'cursor'],
  [`products?cursor=${b64([null, 'p'])}`, 'cursor'],
  [`products?cursor=${b64([1, 2])}`, 'cursor'],
  [`products?cursor=${b64([1, 'p', 3])}`, 'cursor'],
  [`products?cursor=${b64({ a: 1 })}`, 'cursor'],
  [`products?sort=title&cursor=${b64([5, 'p'])}`, 'cursor'],
  [`products?cursor=${long}`, 'cursor'],
  [`alerts?cursor=${b64(['yesterday', 1])}`, 'cursor'],
  [`alerts?cursor=${b64(['2026-01-01T00:00:00Z', -1])}`, 'cursor'],
  ['alerts?limit=1e400', 'limit'],
  [`watchlists?cursor=${b64(['1'])}`, 'cursor'],
  [`watchlists?cursor=${b64([1.5])}`, 'cursor'],
  [`videos?cursor=${b64([-1, 'v'])}`, 'cursor'],
  [`products/p-1/videos?cursor=${b64([1e30, 'v'])}`, 'cursor'],
  // times ClickHouse cannot hold, or no time at all
  ['products/p-1/timeseries?from=1969-12-31T00:00:00Z', 'from'],
  ['products/p-1/timeseries?from=1900-01-01T00:00:00Z&to=1901-01-01T00:00:00Z', 'from'],
  ['products/p-1/timeseries?to=2200-01-01T00:00:00Z', 'to'],
  ['products/p-1/timeseries?to=275760-09-13T00:00:00Z', 'to'],
  ['products/p-1/timeseries?from=yesterday', 'from'],
  ['products/p-1/timeseries?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', 'from'],
  ['products/p-1/timeseries?interval=1m&from=2000-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'interval'],
  ['products/p-1/timeseries?interval=1s', 'interval'],
  ['products/p-1/timeseries?metric=password', 'metric'],
  ['products/p-1/regions?from=1969-01-01T00:00:00Z', 'from'],
  ['trends?from=1900-01-01T00:00:00Z&to=1900-01-02T00:00:00Z', 'from'],
  ['trends?metrics=views,password', 'metrics'],
  ['trends?productIds=a,,b', 'productIds'],
  [`trends?productIds=${Array.from({ length: 21 }, (_, i) => `p${i}`).join(',')}`, 'productIds'],
  ['regions?from=1960-01-01T00:00:00Z&to=1960-01-02T00:00:00Z', 'from'],
  ['regions?to=3000-01-01T00:00:00Z', 'to'],
  ['regions?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'from'],
  ['correlations?from=1950-01-01T00:00:00Z&to=1950-01-02T00:00:00Z', 'from'],
  ['correlations?maxLag=1e400', 'maxLag'],
  ['correlations?scope=everything', 'scope'],
  ['videos?from=1969-12-31T23:00:00Z', 'from'],
  ['videos?limit=101', 'limit'],
  // ids no store can hold
  ['products/%00', 'id'],
  ['products/p%00x/timeseries', 'id'],
  [`products/${'p'.repeat(129)}`, 'id'],
  ['products/%20', 'id'],
  ['products/%ED%A0%80', 'url'],
  ['products/p-1/forecast?horizon=1e400', 'horizon'],
  ['products/p-1/forecast?horizon=0', 'horizon'],
  ['products/p-1/forecast?horizon=25', 'horizon'],
  ['products/p-1/forecast?metric=events', 'metric'],
  ['overview?range=1y', 'range'],
  ['export/products.csv?minScore=1e400', 'minScore'],
  ['export/products.csv?sort=nope', 'sort'],
];

describe('hostile reads', () => {
  it.each(HOSTILE.map(([path, field]) => [path.length > 90 ? `${path.slice(0, 60)}…(${path.length} chars)` : path, field, path]))('GET /api/v1/%s → 400 naming %s', async (_label, field, path) => {
    const r = await raw(`/api/v1/${path}`);
    expect(r.status, r.body).toBe(400);
    const body = JSON.parse(r.body);
    // A path that is no UTF-8 is refused before routing (api/errors.ts), under its own code.
    expect(body.error).toMatchObject({ code: field === 'url' ? 'bad_url' : 'invalid_request', message: expect.any(String) });
    expect(body.error.details.map((d: { field: string }) => d.field), r.body).toContain(field);
    for (const d of body.error.details) expect(d.reason).toEqual(expect.any(String));
  });

  it('still answers the same reads when they are well formed', async () => {
    await post(t.url, 'products', { productId: 'p'.repeat(128), title: 'Longest id' });
    await t.app.drain();
    for (const path of [`products/${'p'.repeat(128)}`, 'products?limit=1', 'products?minScore=0&maxScore=100&minPrice=0&maxPrice=1e7', 'products/p-1', 'products/p-1/timeseries?from=1970-01-01T00:00:00Z&interval=1d&to=1971-01-01T00:00:00Z', 'products/p-1/forecast?horizon=1', 'alerts?limit=1', 'watchlists', 'trends?productIds=p-1', 'correlations?scope=product:p-1', 'regions', 'videos']) {
      const r = await raw(`/api/v1/${path}`);
      expect(r.status, `${path}: ${r.body}`).toBe(200);
    }
  });

  it('answers 404 in the error shape for an unknown product and for a path no route serves', async () => {
    for (const path of ['products/nobody', 'products/nobody/forecast', 'no-such-route']) {
      const r = await raw(`/api/v1/${path}`);
      expect(r.status).toBe(404);
      expect(JSON.parse(r.body).error.code).toBe('not_found');
    }
  });
});
