// API keys guard every write however its path is spelled: requests are sent raw (node:http, so
// nothing normalises the path on the way), and the stores are checked for what got through.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyChecker } from '../../api/auth.js';
import { makeEvents, startTestApp, tempDir, type TestApp } from '../helpers/app.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';

const KEY = 'k-0123456789abcdef';
let t: TestApp;
let port: number;

interface Raw { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** One request exactly as given: method, path bytes and headers untouched. */
function raw(method: string, path: string, headers: Record<string, string | string[]> = {}, body?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c) => { text += c; }).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const event = (productId: string, i = 0) => JSON.stringify(makeEvents(productId, 1, Date.UTC(2026, 0, 5, 12) + i * 1000).map((e) => ({ ...e, eventId: `${productId}-${i}` }))[0]);
const product = (productId: string) => JSON.stringify({ productId, title: 'Bypass test' });

async function storedEvents(productId: string): Promise<number> {
  await t.app.drain();
  const rs = await t.app.runtime.clickhouse.client.query({ query: `SELECT count() AS n FROM ${TABLES.events} WHERE productId = {p:String}`, query_params: { p: productId }, format: 'JSONEachRow' });
  return Number((await rs.json<{ n: string }>())[0].n);
}

beforeAll(async () => {
  t = await startTestApp(tempDir('auth'), { TRENDDROP_API_KEYS: `other-key,${KEY}` });
  port = t.app.port;
});
afterAll(async () => { await t?.stop(); });

describe('API keys', () => {
  it('compares keys exactly: no prefix, extension, case change or empty key passes', () => {
    const ok = keyChecker(['secret-key', 'second']);
    expect(ok('secret-key')).toBe(true);
    expect(ok('second')).toBe(true);
    for (const bad of ['', 'secret', 'secret-key ', 'secret-keyx', 'SECRET-KEY', 'secret-kez', 'second,secret-key', 'x'.repeat(10_000)]) expect(ok(bad), bad).toBe(false);
    expect(keyChecker([])('anything')).toBe(false);
  });

  it('accepts a write with a known key and refuses it without one, in the error shape', async () => {
    expect((await raw('POST', '/api/v1/events', { 'x-api-key': KEY }, event('p-auth-ok'))).status).toBe(202);
    const none = await raw('POST', '/api/v1/events', {}, event('p-auth-none'));
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body)).toEqual({ error: { code: 'unauthorized', message: expect.any(String), details: [{ field: 'x-api-key', reason: 'is required' }] } });
    const wrong = await raw('POST', '/api/v1/events', { 'x-api-key': 'k-0123456789abcdeX' }, event('p-auth-none'));
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body).error.details).toEqual([{ field: 'x-api-key', reason: 'is not a known key' }]);
    expect(await storedEvents('p-auth-ok')).toBe(1);
    expect(await storedEvents('p-auth-none')).toBe(0);
  });

  // Every spelling a router, proxy or client might treat as the events route.
  const spellings = [
    '/%61pi/v1/events', '/api/v1/%65vents', '/%61%70%69/%76%31/%65%76%65%6e%74%73', '/api%2Fv1%2Fevents', '//api/v1/events', '/api//v1/events',
    '/API/v1/events', '/Api/V1/Events', '/api/v1/events/', '/api/v1/events;x=1', '/api/v1/events%3B', '/api/v1/x/../events', '/api/v1/%2e%2e/v1/events',
    '/api/v1/./events', '/api/v1/events%00', '/api/v1/events%2F', '/api/v1/%EF%BD%85vents', '/api/v1/events?x-api-key=' + KEY, '/api/v1/events#x',
  ];

  it.each(spellings)('refuses a keyless write at %s', async (path) => {
    const r = await raw('POST', path, {}, event('p-bypass'));
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body).error.code).toBe('unauthorized');
  });

  it('covers every write route, plain and percent-encoded', async () => {
    const writes: [string, string, string | undefined][] = [
      ['POST', '/api/v1/events', event('p-bypass', 1)], ['POST', '/api/v1/products', product('p-bypass')],
      ['POST', '/api/v1/videos', JSON.stringify({ videoId: 'v-bypass', productId: 'p-bypass', platform: 'tiktok' })],
      ['POST', '/api/v1/watchlists', JSON.stringify({ name: 'bypass' })], ['POST', '/api/v1/watchlists/1/items', JSON.stringify({ productId: 'p-auth-ok' })],
      ['DELETE', '/api/v1/watchlists/1/items/p-auth-ok', undefined], ['POST', '/api/v1/agent/runs', '{}'], ['POST', '/api/v1/agent/pause', '{}'], ['POST', '/api/v1/agent/resume', '{}'],
    ];
    for (const [method, path, body] of writes) {
      for (const p of [path, path.replace('/api/', '/%61pi/'), path.replace(/\/([a-z])/g, (_m, c: string) => `/%${c.charCodeAt(0).toString(16)}`)]) {
        const r = await raw(method, p, {}, body);
        expect(r.status, `${method} ${p}`).toBe(401);
      }
    }
    // Nothing of it reached a store.
    expect(await storedEvents('p-bypass')).toBe(0);
    const lists = await raw('GET', '/api/v1/watchlists');
    expect(JSON.parse(lists.body).items).toEqual([]);
    const detail = await raw('GET', '/api/v1/products/p-bypass');
    expect(detail.status).toBe(404);
  });

  it('ignores method override headers and gives HEAD and OPTIONS no write', async () => {
    for (const h of ['x-http-method-override', 'x-http-method', 'x-method-override']) {
      expect((await raw('POST', '/api/v1/events', { [h]: 'GET' }, event('p-bypass', 2))).status).toBe(401);
      // A read that asks to be treated as a write stays a read: there is no GET events route.
      expect((await raw('GET', '/api/v1/events', { [h]: 'POST' })).status).toBe(404);
    }
    for (const m of ['HEAD', 'OPTIONS']) expect((await raw(m, '/api/v1/events')).status).not.toBe(202);
    for (const m of ['PUT', 'PATCH', 'DELETE']) expect((await raw(m, '/api/v1/events', {}, event('p-bypass', 3))).status).toBe(401);
    expect(await storedEvents('p-bypass')).toBe(0);
  });

  it('refuses several x-api-key headers, and very long keys, without a 5xx', async () => {
    expect((await raw('POST', '/api/v1/events', { 'x-api-key': [KEY, 'nope'] }, event('p-bypass', 4))).status).toBe(401);
    expect((await raw('POST', '/api/v1/events', { 'x-api-key': ['nope', KEY] }, event('p-bypass', 5))).status).toBe(401);
    expect((await raw('POST', '/api/v1/events', { 'x-api-key': [KEY, KEY] }, event('p-bypass', 6))).status).toBe(401);
    expect((await raw('POST', '/api/v1/events', { 'x-api-key': KEY + 'x'.repeat(8000) }, event('p-bypass', 7))).status).toBe(401);
    const huge = await raw('POST', '/api/v1/events', { 'x-api-key': 'x'.repeat(64 * 1024) }, event('p-bypass', 8));
    expect(huge.status).toBeGreaterThanOrEqual(400);
    expect(huge.status).toBeLessThan(500);
    expect(await storedEvents('p-bypass')).toBe(0);
  });

  it('refuses a keyless body before parsing it', async () => {
    // Old behaviour: the body was parsed first, so bad JSON got 400 and a huge body 413.
    expect((await raw('POST', '/api/v1/events', {}, '{"not json')).status).toBe(401);
    const big = await raw('POST', '/api/v1/events', { 'content-type': 'application/x-ndjson' }, `${event('p-bypass', 9)}\n`.repeat(200_000));
    expect(big.status).toBe(401);
    expect(big.headers.connection).toBe('close');
  });

  it('keeps reads, health and the API description open', async () => {
    for (const path of ['/api/v1/health', '/api/v1/products', '/api/v1/overview', '/api/v1/openapi.json', '/metrics']) expect((await raw('GET', path)).status, path).toBe(200);
  });
});
