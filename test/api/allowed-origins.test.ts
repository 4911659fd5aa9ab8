// TrendDrop serving pages on other origins (TRENDDROP_ALLOWED_ORIGINS) with API keys set: the
// allowed origins get CORS answers and WebSockets, every other origin still nothing, and the
// write rate limit counts per key. The same-origin default: hostile-browsers.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, tempDir, type TestApp } from '../helpers/app.js';
import { eventBody, expectErrorShape, raw, upgrade } from '../helpers/raw-http.js';

const SHOP = 'https://shop.example';
const DEV = 'http://localhost:5173';
const EVIL = 'https://evil.example';
const KEYS = ['k-cors-0123456789', 'k-limited-0123456789', 'k-other-0123456789'];
const LIMIT = { max: 3, windowMs: 2000 };

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp(tempDir('allowed-origins'), { TRENDDROP_ALLOWED_ORIGINS: `${SHOP},${DEV}`, TRENDDROP_API_KEYS: KEYS.join(',') }, ['ingest', 'processors', 'api'], { writeRateLimit: LIMIT });
}, 120_000);
afterAll(async () => { await t?.stop(); });

describe('allowed origins', () => {
  it('answer an allowed origin\'s preflight and requests with CORS headers', async () => {
    const preflight = await raw(t, { method: 'OPTIONS', path: '/api/v1/events', headers: { origin: SHOP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-api-key' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(SHOP);
    expect(String(preflight.headers['access-control-allow-methods'])).toContain('POST');
    expect(String(preflight.headers['access-control-allow-headers']).split(/,\s*/)).toEqual(expect.arrayContaining(['content-type', 'x-api-key']));
    expect(String(preflight.headers.vary)).toMatch(/origin/i);

    const write = await raw(t, { method: 'POST', path: '/api/v1/events', body: eventBody('p-shop'), headers: { origin: SHOP, 'x-api-key': KEYS[0] } });
    expect(write.status).toBe(202);
    expect(write.headers['access-control-allow-origin']).toBe(SHOP);
    const read = await raw(t, { path: '/api/v1/products', headers: { origin: DEV } });
    expect(read.headers['access-control-allow-origin']).toBe(DEV);
    // An allowed origin still needs a key where keys are set.
    expectErrorShape(await raw(t, { method: 'POST', path: '/api/v1/events', body: eventBody('p-shop'), headers: { origin: SHOP } }), 401, 'unauthorized');
  });

  it('give every other origin, look-alikes included, no CORS header and a 403 for preflights and writes', async () => {
    for (const origin of [EVIL, 'https://shop.example.evil.example', 'http://shop.example', 'https://shop.example:8443', 'null']) {
      const preflight = await raw(t, { method: 'OPTIONS', path: '/api/v1/events', headers: { origin, 'access-control-request-method': 'POST' } });
      expectErrorShape(preflight, 403, 'origin_not_allowed');
      expect(preflight.headers['access-control-allow-origin'], origin).toBeUndefined();
      expectErrorShape(await raw(t, { method: 'POST', path: '/api/v1/events', body: eventBody('p-evil'), headers: { origin, 'x-api-key': KEYS[0] } }), 403, 'origin_not_allowed');
      const read = await raw(t, { path: '/api/v1/health', headers: { origin } });
      expect(read.status).toBe(200);
      expect(read.headers['access-control-allow-origin'], origin).toBeUndefined();
    }
  });

  it('open WebSockets for allowed origins only', async () => {
    expect((await upgrade(t, DEV)).status).toBe(101);
    expect((await upgrade(t, SHOP)).status).toBe(101);
    expect((await upgrade(t, EVIL)).status).toBe(403);
  });
});

describe('write rate limit with API keys', () => {
  it('counts per key, whatever address the key comes from', async () => {
    const post = (key: string, i: number, from: string) => raw(t, { method: 'POST', path: '/api/v1/events', body: eventBody('p-keyed', i), headers: { 'x-api-key': key }, from });
    const statuses = [];
    for (let i = 0; i <= LIMIT.max; i++) statuses.push((await post(KEYS[1], i, `127.0.1.${i + 1}`)).status);
    expect(statuses).toEqual([...Array(LIMIT.max).fill(202), 429]);
    expect((await post(KEYS[2], 50, '127.0.1.1')).status).toBe(202);
  });
});
