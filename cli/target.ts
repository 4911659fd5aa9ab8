// Where CLI commands (simulate, import) send what they produce: a running TrendDrop over HTTP
// when one answers (its embedded stores belong to that process), otherwise an in-process
// pipeline that drains into the stores before the command exits.
import type { Config } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import type { AgentSink } from '../ingest/agent/index.js';
import { INGEST_LIMITS } from '../ingest/accept.js';
import { storedIds, type StoredKey } from '../processors/dedup.js';

export interface Target extends AgentSink {
  where: string;
  /**
   * In-process only: waits until the pipeline has consumed everything sent, then counts the sent
   * events found in ClickHouse (at most the first CHECKED_EVENTS of them). A running TrendDrop
   * stores what it accepted on its own time.
   */
  stored?(): Promise<{ checked: number; stored: number }>;
  close(): Promise<void>;
}

/** Events whose ids are kept for the stored check; more are sent but not checked. */
export const CHECKED_EVENTS = 2_000_000;

async function answers(url: string): Promise<boolean> {
  try { return (await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(1500) })).ok; } catch { return false; }
}

function httpTarget(url: string, apiKey: string | undefined): Target {
  const send = async (path: string, items: unknown[]) => {
    for (let i = 0; i < items.length; i += INGEST_LIMITS.batchItems / 4) {
      const r = await fetch(`${url}/api/v1/${path}`, {
        method: 'POST', headers: { 'content-type': 'application/json', ...(apiKey ? { 'x-api-key': apiKey } : {}) },
        body: JSON.stringify(items.slice(i, i + INGEST_LIMITS.batchItems / 4)),
      });
      if (r.status !== 202) throw new Error(`POST ${path} answered ${r.status}: ${(await r.text()).slice(0, 300)}`);
    }
  };
  return { where: url, products: (p) => send('products', p), events: (e) => send('events', e), videos: (v) => send('videos', v), close: async () => {} };
}

/** `url` forces HTTP; otherwise this config's port is tried first. */
export async function openTarget(config: Config, logger: Logger, url?: string): Promise<Target> {
  const local = url ?? `http://127.0.0.1:${config.port}`;
  if (url || (await answers(local))) return httpTarget(local, config.apiKeys[0]);
  const { startApp } = await import('../app/start-app.js');
  const app = await startApp({ ...config, simulator: false, port: 0 }, { roles: ['ingest', 'processors'], logger, agent: false });
  const sent: StoredKey[] = [];
  return {
    where: `the embedded pipeline in ${config.dataDir}`,
    products: (p) => app.ingestor.publishProducts(p),
    async events(e) {
      await app.ingestor.publishEvents(e);
      for (const ev of e) if (sent.length < CHECKED_EVENTS) sent.push({ productId: ev.productId, eventId: ev.eventId, tsMs: Date.parse(ev.ts) });
    },
    videos: (v) => app.ingestor.publishVideos(v),
    async stored() {
      await app.drain();
      let stored = 0;
      for (let i = 0; i < sent.length; i += 50_000) stored += (await storedIds(app.runtime.clickhouse.client, sent.slice(i, i + 50_000))).size;
      return { checked: sent.length, stored };
    },
    async close() { await app.drain(); await app.stop(); },
  };
}
