// `trenddrop simulate --backfill 7d`: simulated history, sent to a running TrendDrop over HTTP
// when one answers (the embedded stores belong to that process), otherwise written in-process.
import type { Config } from '../core/config.js';
import { createLogger } from '../core/logger.js';
import { MarketSimulator } from '../ingest/simulator.js';
import { backfill, publishCatalogue, type PublishEvents } from '../ingest/simulate.js';
import { progress } from './progress.js';

async function answers(url: string): Promise<boolean> {
  try { return (await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(1500) })).ok; } catch { return false; }
}

async function post(url: string, path: string, body: unknown, apiKey?: string): Promise<void> {
  const r = await fetch(`${url}/api/v1/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(apiKey ? { 'x-api-key': apiKey } : {}) }, body: JSON.stringify(body) });
  if (r.status !== 202) throw new Error(`POST ${path} answered ${r.status}: ${(await r.text()).slice(0, 300)}`);
}

export async function simulateCommand(config: Config, o: { backfillMs: number; url?: string; seed?: number }): Promise<void> {
  const logger = createLogger(config.logLevel);
  const sim = new MarketSimulator({ seed: o.seed ?? config.simulatorSeed, ratePerSec: config.simulatorRate });
  const to = Date.now(), from = to - o.backfillMs;
  const bar = progress('backfill');
  const onProgress = (f: number, n: number) => bar.update(f, `${n.toLocaleString('en-US')} events`);
  const url = o.url ?? `http://127.0.0.1:${config.port}`;
  if (o.url || (await answers(url))) {
    const key = config.apiKeys[0];
    await post(url, 'products', sim.catalogue(), key);
    await post(url, 'videos', sim.videos(), key);
    const n = await backfill(sim, (events) => post(url, 'events', events, key), from, to, { onProgress });
    bar.stop();
    logger.info({ events: n, url }, 'backfill sent');
    return;
  }
  const { startApp } = await import('./app.js');
  const app = await startApp({ ...config, simulator: false }, { roles: ['ingest', 'processors'], logger });
  try {
    await publishCatalogue(sim, app.ingestor);
    const publish: PublishEvents = (events) => app.ingestor.publishEvents(events);
    const n = await backfill(sim, publish, from, to, { onProgress });
    bar.stop();
    logger.info({ events: n }, 'backfill published; writing');
    await app.drain();
  } finally {
    await app.stop(); // drains the bus into the stores before exit
  }
}
