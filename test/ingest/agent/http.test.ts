import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpError, parseRetryAfter, DEFAULT_USER_AGENT } from '../../../ingest/agent/http.js';
import { MemoryStateStore } from '../../../ingest/agent/state.js';
import { fastHttp } from '../../helpers/agent.js';
import { startFixtureServer, type FixtureServer } from '../../helpers/fixture-server.js';

let srv: FixtureServer;
beforeAll(async () => { srv = await startFixtureServer(); });
afterAll(() => srv.close());
beforeEach(() => srv.reset());

async function failure(p: Promise<unknown>): Promise<HttpError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(HttpError);
  return err as HttpError;
}

describe('HttpClient', () => {
  it('sends a descriptive user agent', async () => {
    const res = await fastHttp().get(`${srv.url}/feeds/deals.rss`);
    expect(res.status).toBe(200);
    expect(res.body).toContain('<rss');
    expect(srv.hits[0].userAgent).toBe(DEFAULT_USER_AGENT);
  });

  it('waits out a 429 for as long as Retry-After asks, then succeeds', async () => {
    const started = Date.now();
    const res = await fastHttp().get(`${srv.url}/hostile/429`);
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(srv.hits.map((h) => h.status)).toEqual([429, 200]);
  });

  it('fails at once when Retry-After is longer than allowed', async () => {
    const err = await failure(fastHttp({ maxRetryAfterMs: 100 }).get(`${srv.url}/hostile/429`));
    expect(err.kind).toBe('rate_limited');
    expect(err.context).toMatchObject({ status: 429, retryAfterMs: 1000 });
    expect(srv.hits).toHaveLength(1);
  });

  it('rides out a burst of 5xx with backoff', async () => {
    const res = await fastHttp().get(`${srv.url}/hostile/5xx-burst`);
    expect(res.status).toBe(200);
    expect(srv.hits.map((h) => h.status)).toEqual([503, 503, 200]);
  });

  it('gives up after its retries with the status and attempt in the error', async () => {
    const err = await failure(fastHttp().get(`${srv.url}/hostile/always-500`));
    expect(err).toMatchObject({ kind: 'status', code: 'http_status' });
    expect(err.context).toMatchObject({ status: 500, attempt: 3, url: `${srv.url}/hostile/always-500` });
  });

  it('does not retry a 404', async () => {
    const err = await failure(fastHttp().get(`${srv.url}/nowhere`));
    expect(err.status).toBe(404);
    expect(srv.hits).toHaveLength(1);
  });

  it('times out a slow response', async () => {
    const started = Date.now();
    const err = await failure(fastHttp({ timeoutMs: 100, retries: 1 }).get(`${srv.url}/hostile/slow`));
    expect(err.kind).toBe('timeout');
    expect(err.context.attempt).toBe(2);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('aborts a 50 MB page past the body limit without reading it all', async () => {
    const started = Date.now();
    const err = await failure(fastHttp({ maxBodyBytes: 1024 * 1024, timeoutMs: 5000 }).get(`${srv.url}/hostile/huge`));
    expect(err.kind).toBe('too_large');
    expect(err.context.limit).toBe(1024 * 1024);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses a declared length over the limit before reading', async () => {
    const err = await failure(fastHttp().get(`${srv.url}/hostile/declared-huge`));
    expect(err.kind).toBe('too_large');
    expect(err.context.declared).toBe(50 * 1024 * 1024);
  });

  it('follows redirects and detects a loop', async () => {
    const ok = await fastHttp().get(`${srv.url}/moved`);
    expect(ok.url).toBe(`${srv.url}/feeds/deals.rss`);
    const err = await failure(fastHttp().get(`${srv.url}/loop/a`));
    expect(err.kind).toBe('redirect_loop');
    expect(err.context.chain).toEqual([`${srv.url}/loop/a`, `${srv.url}/loop/b`]);
  });

  it('stops at the redirect limit', async () => {
    const err = await failure(fastHttp({ maxRedirects: 0 }).get(`${srv.url}/moved`));
    expect(err.kind).toBe('too_many_redirects');
  });

  it('respects robots.txt when asked, and reads it once', async () => {
    const http = fastHttp();
    const err = await failure(http.get(`${srv.url}/private/page`, { robots: true }));
    expect(err.kind).toBe('robots_disallowed');
    await http.get(`${srv.url}/pages/curler`, { robots: true });
    expect(srv.hits.map((h) => h.path)).toEqual(['/robots.txt', '/pages/curler']);
  });

  it('makes conditional requests with validators kept in the state store', async () => {
    const state = new MemoryStateStore();
    const first = await fastHttp({ state }).get(`${srv.url}/feeds/deals.rss`, { conditional: true });
    expect(first.notModified).toBe(false);
    // A new client (a restart) still has the validators.
    const again = await fastHttp({ state }).get(`${srv.url}/feeds/deals.rss`, { conditional: true });
    expect(again).toMatchObject({ notModified: true, status: 304, body: '' });
    expect(srv.hits[1]).toMatchObject({ status: 304, ifNoneMatch: expect.stringMatching(/^"/) });
  });

  it('spaces requests to one host', async () => {
    const http = fastHttp({ perHostIntervalMs: 150 });
    const started = Date.now();
    await Promise.all([1, 2, 3].map(() => http.get(`${srv.url}/feeds/deals.rss`)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('reads Retry-After as seconds or a date', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', Date.parse('2026-01-01T00:00:00Z'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
