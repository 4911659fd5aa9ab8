// What a page on another site, or one client sending too much, can do to a TrendDrop in its
// default configuration (same-origin only, writes limited per address), tried on a real
// server: security headers on every kind of answer, CORS and WebSocket Origin checks, and the
// write rate limit. Each test sends from its own loopback address, so that the per-address
// limit of one never counts another's requests. Allowed origins and per-key limits:
// allowed-origins.test.ts.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_DIR } from '../../api/dashboard-dir.js';
import { inlineScriptHashes } from '../../api/security-headers.js';
import { counterValue, startTestApp, tempDir, type TestApp } from '../helpers/app.js';
import { eventBody, expectErrorShape, expectSecurityHeaders, raw, upgrade, type Raw } from '../helpers/raw-http.js';

const EVIL = 'https://evil.example';
const LIMIT = { max: 3, windowMs: 2000 };

let t: TestApp;
const self = () => `http://127.0.0.1:${t.app.port}`;

beforeAll(async () => {
  t = await startTestApp(tempDir('hostile-browsers'), {}, ['ingest', 'processors', 'api'], { writeRateLimit: LIMIT });
}, 120_000);
afterAll(async () => { await t?.stop(); });

describe('security headers', () => {
  it('are on API answers, metrics and every kind of error', async () => {
    const answers: [string, Raw][] = [
      ['health', await raw(t, { path: '/api/v1/health' })],
      ['a list', await raw(t, { path: '/api/v1/products' })],
      ['metrics', await raw(t, { path: '/metrics' })],
      ['404', await raw(t, { path: '/api/v1/nothing-here' })],
      ['400 bad url', await raw(t, { path: '/api/v1/products/%E0%A4%A' })],
      ['400 bad input', await raw(t, { path: '/api/v1/products?limit=-1' })],
      ['415', await raw(t, { method: 'POST', path: '/api/v1/events', body: 'x', headers: { 'content-type': 'text/plain' }, from: '127.0.0.4' })],
      ['403', await raw(t, { method: 'POST', path: '/api/v1/events', body: eventBody('p-hdr'), headers: { origin: EVIL } })],
    ];
    expect(answers.map(([what, r]) => `${what} ${r.status}`)).toEqual(['health 200', 'a list 200', 'metrics 200', '404 404', '400 bad url 400', '400 bad input 400', '415 415', '403 403']);
    for (const [what, r] of answers) expectSecurityHeaders(r, what);
  });

  it('are on what the HTTP parser refuses, answered on the raw socket', async () => {
    const r = await raw(t, { path: '/api/v1/health', headers: { 'x-big': 'y'.repeat(20_000) } });
    expect(r.status).toBe(431);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['content-security-policy']).toContain("default-src 'none'");
  });

  it('allow the index page\'s inline script by its hash, and no other inline script', () => {
    const hashes = inlineScriptHashes(readFileSync(join(DASHBOARD_DIR, '../index.html'), 'utf8'));
    expect(hashes).toHaveLength(1);
    expect(hashes[0]).toMatch(/^'sha256-[A-Za-z0-9+/]{43}='$/);
    expect(inlineScriptHashes('<script type="module" src="/a.js"></script><script>x()</script><SCRIPT >y()</SCRIPT><script></script>')).toHaveLength(2);
  });

  // Needs the built dashboard (npm run build); the browser tests prove it renders under this policy.
  it.skipIf(!existsSync(join(DASHBOARD_DIR, 'index.html')))('are on the dashboard and its assets, with the built page\'s script hash', async () => {
    const page = await raw(t, { path: '/explorer' });
    expect(page.status).toBe(200);
    expectSecurityHeaders(page, 'index page');
    const [hash] = inlineScriptHashes(page.body);
    expect(String(page.headers['content-security-policy'])).toContain(`script-src 'self' ${hash};`);
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(page.body)![1];
    const js = await raw(t, { path: asset });
    expect(js.status).toBe(200);
    expectSecurityHeaders(js, 'asset');
  });
});

describe('CORS and Origin, same-origin only', () => {
  it('gives no CORS headers, and refuses foreign pages\' preflights and writes before they run', async () => {
    const preflight = await raw(t, { method: 'OPTIONS', path: '/api/v1/events', headers: { origin: EVIL, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expectErrorShape(preflight, 403, 'origin_not_allowed');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const read = await raw(t, { path: '/api/v1/products', headers: { origin: EVIL } });
    expect(read.status).toBe(200);
    expect(read.headers['access-control-allow-origin']).toBeUndefined();

    // A body-less POST needs no preflight in a browser: it is refused here, not only unreadable.
    const before = await counterValue(t.app.runtime.metrics.accepted);
    const paused = (await raw(t, { path: '/api/v1/agent' })).body;
    for (const origin of [EVIL, 'null', `http://127.0.0.1:${t.app.port + 1}`, `http://localhost:${t.app.port}`, `http://127.0.0.1:${t.app.port}.evil.example`]) {
      expectErrorShape(await raw(t, { method: 'POST', path: '/api/v1/agent/pause', headers: { origin } }), 403, 'origin_not_allowed');
      expectErrorShape(await raw(t, { method: 'POST', path: '/api/v1/events', body: eventBody('p-evil'), headers: { origin } }), 403, 'origin_not_allowed');
    }
    expect(await counterValue(t.app.runtime.metrics.accepted)).toBe(before);
    expect((await raw(t, { path: '/api/v1/agent' })).body).toBe(paused);
  });

  it('lets the server\'s own pages, and clients that send no Origin, write', async () => {
    // One address per write: the test's app limits writes to 3 per address and window.
    const post = (i: number, headers: Record<string, string> = {}) => raw(t, { method: 'POST', path: '/api/v1/events', body: eventBody('p-same', i), headers, from: `127.0.2.${i}` });
    expect((await post(1, { origin: self() })).status).toBe(202);
    // The default port is the same origin whether the Host header names it or not.
    expect((await post(2, { origin: 'http://trenddrop.test', host: 'trenddrop.test:80' })).status).toBe(202);
    // Schemes are not compared: behind a TLS front the page is https while this server sees http.
    expect((await post(4, { origin: 'https://trenddrop.test', host: 'trenddrop.test' })).status).toBe(202);
    expect((await post(3)).status).toBe(202);
  });

  it('refuses a foreign page\'s WebSocket with 403, and opens the server\'s own and a non-browser\'s', async () => {
    for (const origin of [EVIL, 'null', 'http://localhost:5173']) {
      const r = await upgrade(t, origin);
      expect(r.status, origin).toBe(403);
      expect(JSON.parse(r.body).error.code).toBe('origin_not_allowed');
    }
    expect((await upgrade(t, self())).status).toBe(101);
    expect((await upgrade(t)).status).toBe(101);
  });
});

describe('write rate limit', () => {
  it('answers 429 with Retry-After past the limit per address, leaves reads and other addresses alone, and lets the client in again', async () => {
    const post = (i: number, from: string) => raw(t, { method: 'POST', path: '/api/v1/events', body: eventBody('p-flood', i), from });
    // The first write opens the window; the rest of the limit follows at once, well inside it.
    const firsts = [];
    for (let i = 0; i < LIMIT.max; i++) firsts.push((await post(i, '127.0.0.2')).status);
    expect(firsts).toEqual(Array(LIMIT.max).fill(202));
    const over = await post(99, '127.0.0.2');
    expectErrorShape(over, 429, 'rate_limited');
    const retryAfter = Number(over.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(LIMIT.windowMs / 1000);
    expectSecurityHeaders(over, '429');
    // Refused before its body was read: the connection is not kept to drain it.
    expect(over.headers.connection).toBe('close');

    expect((await raw(t, { path: '/api/v1/products', from: '127.0.0.2' })).status).toBe(200);
    expect((await post(100, '127.0.0.3')).status).toBe(202);

    // As Retry-After says: once it has passed, the client writes again.
    await new Promise((r) => setTimeout(r, retryAfter * 1000));
    expect((await post(101, '127.0.0.2')).status).toBe(202);
  });
});
