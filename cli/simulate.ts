// `trenddrop simulate --backfill 7d`: simulated market history, with a progress bar.
import type { Config } from '../core/config.js';
import { createLogger } from '../core/logger.js';
import { MarketSimulator } from '../ingest/simulator.js';
import { backfill } from '../ingest/simulate.js';
import { progress } from './progress.js';
import { openTarget } from './target.js';

export async function simulateCommand(config: Config, o: { backfillMs: number; url?: string; seed?: number }): Promise<void> {
  const logger = createLogger(config.logLevel);
  const sim = new MarketSimulator({ seed: o.seed ?? config.simulatorSeed, ratePerSec: config.simulatorRate });
  const target = await openTarget(config, logger, o.url);
  const bar = progress('backfill');
  try {
    await target.products(sim.catalogue());
    await target.videos(sim.videos());
    const to = Date.now();
    const n = await backfill(sim, (events) => target.events(events), to - o.backfillMs, to, { onProgress: (f, done) => bar.update(f, `${done.toLocaleString('en-US')} events`) });
    bar.stop();
    logger.info({ events: n, to: target.where }, 'backfill sent');
  } finally {
    await target.close();
  }
}
