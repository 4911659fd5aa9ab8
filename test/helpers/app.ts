// Whole-app test plumbing: a real TrendDrop (embedded stores on a temporary data dir) inside the
// test process, its HTTP API, and waits on a condition or on a drained pipeline, never on time.
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config, type Role } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { startApp, type App } from '../../app/start-app.js';
import type { Runtime } from '../../core/runtime.js';
import { consumerGroups } from '../../processors/index.js';

/** A port nothing listens on right now, for servers started in child processes. */
export const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
});

export const tempDir = (name: string) => mkdtempSync(join(tmpdir(), `trenddrop-${name}-`));

export interface TestApp { app: App; url: string; dir: string; stop(): Promise<void> }

/** `overrides` for settings no environment variable reaches (e.g. a rate-limit window short enough for a test). */
export async function startTestApp(dir: string, env: Record<string, string> = {}, roles: Role[] = ['ingest', 'processors', 'api'], overrides: Partial<Config> = {}): Promise<TestApp> {
  const config = { ...loadConfig({ TRENDDROP_DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1', TRENDDROP_SIMULATOR: 'off', TRENDDROP_SCORE_INTERVAL_MS: '200', ...env }), ...overrides };
  const app = await startApp(config, { roles, logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent') });
  return { app, dir, url: `http://127.0.0.1:${app.port}`, stop: () => app.stop() };
}

export async function post(url: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const r = await fetch(`${url}/api/v1/${path}`, {
    method: 'POST',
    headers: { 'content-type': typeof body === 'string' ? 'application/x-ndjson' : 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as any };
}

export async function get(url: string, path: string) {
  const r = await fetch(`${url}/api/v1/${path}`);
  return { status: r.status, body: (await r.json()) as any, headers: r.headers };
}

/** Polls until check returns a value that is not undefined, or fails after timeoutMs. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) { last = err; }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Resolves once the durable consumer groups have committed everything published so far (bus lag
 * 0 on each of their topics): every accepted item has been processed, and its effects (stores,
 * metrics) are in place. Consumers commit only after their handler finished.
 */
export async function drained(rt: Runtime, timeoutMs = 60_000): Promise<void> {
  let left = '';
  await eventually(async () => {
    for (const [group, topic] of consumerGroups(rt.topics)) {
      const lag = await rt.bus.lag(group, topic);
      if (lag > 0) { left = `${group} on ${topic}: lag ${lag}`; return undefined; }
    }
    return true;
  }, timeoutMs, 'a drained pipeline').catch((err: Error) => { throw new Error(`${err.message} (${left})`); });
}

/** The value of an unlabelled counter in the runtime's metrics. */
export async function counterValue(c: Runtime['metrics']['stored']): Promise<number> {
  return (await c.get()).values[0]?.value ?? 0;
}

export function makeEvents(productId: string, n: number, startMs: number, stepMs = 1000) {
  return Array.from({ length: n }, (_, i) => ({
    eventId: `${productId}-e${i}`, ts: new Date(startMs + i * stepMs).toISOString(), productId,
    platform: ['tiktok', 'instagram', 'youtube'][i % 3], region: ['US', 'DE', 'GB'][i % 3],
    views: 10 + i, likes: i % 5, shares: i % 2, comments: 1, orders: i % 10 === 0 ? 1 : 0, revenue: i % 10 === 0 ? 9.5 : 0, searches: 2,
  }));
}

/** Sum of a product's metric over its timeseries at one rollup level, from three hours back (floored to the interval) to now. */
export async function seriesSum(url: string, productId: string, metric = 'views', interval: '1m' | '1h' | '1d' = '1m'): Promise<number> {
  const from = new Date(Date.now() - 3 * 3600e3).toISOString(), to = new Date(Date.now() + 3600e3).toISOString();
  const r = await get(url, `products/${encodeURIComponent(productId)}/timeseries?metric=${metric}&interval=${interval}&from=${from}&to=${to}`);
  if (r.status !== 200) throw new Error(`timeseries ${r.status} ${JSON.stringify(r.body)}`);
  return (r.body.points as { value: number }[]).reduce((a, p) => a + p.value, 0);
}

/** A product's views at each rollup level; they agree when no view write was lost. */
export async function levelSums(url: string, productId: string): Promise<{ '1m': number; '1h': number; '1d': number }> {
  const [m, h, d] = await Promise.all((['1m', '1h', '1d'] as const).map((iv) => seriesSum(url, productId, 'views', iv)));
  return { '1m': m, '1h': h, '1d': d };
}
