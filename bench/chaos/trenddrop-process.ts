// TrendDrop as users run it, `node bin/trenddrop.cjs start` in a process of its own (so that it
// can be SIGKILLed), on a fresh data dir, and the HTTP calls the scenarios make to it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from '../../core/retry.js';
import type { EngagementEvent } from '../../schemas/events.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

export const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
});

export const scratchDir = (name: string) => mkdtempSync(join(tmpdir(), `trenddrop-chaos-${name}-`));

export interface TrendDropProcess {
  url: string;
  proc: ChildProcess;
  /** Everything it logged (pino JSON on stdout). */
  output(): string;
  /** Resolves when it has exited, whether by a signal sent here or on its own. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts TrendDrop and resolves once `health` answers 200. */
export async function startTrendDrop(o: { dataDir: string; env?: Record<string, string>; port?: number; timeoutMs?: number }): Promise<TrendDropProcess> {
  const port = o.port ?? (await freePort());
  const proc = spawn(process.execPath, ['bin/trenddrop.cjs', 'start'], {
    cwd: ROOT,
    env: { ...process.env, KAFKA_BROKERS: '', DATABASE_URL: '', CLICKHOUSE_URL: '', TRENDDROP_SIMULATOR: 'off', LOG_LEVEL: 'warn', ...o.env, HOST: '127.0.0.1', PORT: String(port), TRENDDROP_DATA_DIR: o.dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => { out = (out + d.toString()).slice(-200_000); });
  proc.stderr!.on('data', (d: Buffer) => { out = (out + d.toString()).slice(-200_000); });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + (o.timeoutMs ?? 180_000);
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`trenddrop start exited (${proc.exitCode ?? proc.signalCode}):\n${out.slice(-3000)}`);
    if ((await getJson(url, 'health').then((r) => r.status, () => 0)) === 200) break;
    if (Date.now() > until) { proc.kill('SIGKILL'); throw new Error(`trenddrop start not healthy in time:\n${out.slice(-3000)}`); }
    await sleep(200);
  }
  return {
    url, proc, exited, output: () => out,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
    },
  };
}

export async function getJson(url: string, path: string): Promise<{ status: number; body: any }> {
  const r = await fetch(`${url}/api/v1/${path}`, { signal: AbortSignal.timeout(30_000) });
  return { status: r.status, body: await r.json().catch(() => null) };
}

export async function postJson(url: string, path: string, body: unknown, contentType = 'application/json'): Promise<{ status: number; body: any }> {
  const r = await fetch(`${url}/api/v1/${path}`, {
    method: 'POST', headers: { 'content-type': contentType }, body: typeof body === 'string' ? body : JSON.stringify(body), signal: AbortSignal.timeout(60_000),
  });
  return { status: r.status, body: await r.json().catch(() => null) };
}

/** `n` events of one product, a second apart, in the hour before `endMs`, ids tagged. */
export function productEvents(tag: string, productId: string, n: number, endMs: number): EngagementEvent[] {
  const start = endMs - 3_600_000;
  return Array.from({ length: n }, (_, i) => ({
    eventId: `${tag}-${productId}-${i}`, ts: new Date(start + Math.floor((i * 3_600_000) / n)).toISOString(), productId,
    platform: (['tiktok', 'instagram', 'youtube'] as const)[i % 3], region: ['US', 'DE', 'GB'][i % 3], views: 1 + (i % 50), likes: i % 5, orders: i % 20 === 0 ? 1 : 0, revenue: i % 20 === 0 ? 9.5 : 0,
  }));
}

/** Events stored per product, as TrendDrop's own API reads them (minute rollup, last three hours). */
export async function storedCounts(url: string, productIds: string[]): Promise<Map<string, number>> {
  const from = new Date(Date.now() - 3 * 3_600_000).toISOString(), to = new Date(Date.now() + 3_600_000).toISOString();
  const out = new Map<string, number>();
  for (const id of productIds) {
    const r = await getJson(url, `products/${encodeURIComponent(id)}/timeseries?metric=events&interval=1m&from=${from}&to=${to}`);
    out.set(id, r.status === 200 ? (r.body.points as { value: number }[]).reduce((a, p) => a + p.value, 0) : 0);
  }
  return out;
}

/** Polls the stored counts until they reach what is expected (or time runs out): then they are final. */
export async function settledCounts(url: string, expected: Map<string, number>, timeoutMs: number): Promise<Map<string, number>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const got = await storedCounts(url, [...expected.keys()]);
    if ([...expected].every(([id, n]) => (got.get(id) ?? 0) >= n) || Date.now() > until) return got;
    await sleep(500);
  }
}

/** A Prometheus counter or gauge summed over its labels (0 when absent). */
export async function metricSum(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(30_000) })).text();
  return text.split('\n').filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`)).reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}
