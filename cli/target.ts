// Where CLI commands (simulate, import) send what they produce: a running TrendDrop over HTTP
// when one answers (its embedded stores belong to that process), otherwise an in-process
// pipeline that drains into the stores before the command exits.
import type { Config } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import type { AgentSink } from '../ingest/agent/index.js';
import { INGEST_LIMITS } from '../ingest/accept.js';

export interface Target extends AgentSink { where: string; close(): Promise<void> }

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
  return {
    where: `in-process (${config.dataDir})`,
    products: (p) => app.ingestor.publishProducts(p),
    events: (e) => app.ingestor.publishEvents(e),
    videos: (v) => app.ingestor.publishVideos(v),
    async close() { await app.drain(); await app.stop(); },
  };
}
