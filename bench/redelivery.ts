// The `redelivery` phase of `trenddrop bench`: how fast the pipeline drops what it has already
// counted. N events with UUID ids (random, so no two batches share a prefix) go through the
// embedded pipeline once; then the very same N are sent again, as a client that lost its acks
// would, and every one must be recognised as stored and dropped (the Bloom filter says "maybe"
// for each, so each is checked against ClickHouse). Reported: both rates and their ratio
// (target ≥ 0.5), and that the count stayed exactly N.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { sleep } from '../core/retry.js';
import { startApp, type App } from '../app/start-app.js';
import { consumerGroups } from '../processors/index.js';
import { TABLES } from '../schemas/clickhouse/tables.js';
import type { EngagementEvent } from '../schemas/events.js';
import { BENCH_PRODUCTS, benchProductIds, makeEvents } from './events.js';
import { flood } from './load.js';
import { num, label } from './format.js';

export interface RedeliveryBenchOptions {
  events: number;
  logger: Logger;
  onProgress?: (fraction: number, stage: string) => void;
}

export interface RedeliveryBenchResult {
  events: number;
  first: { eventsPerSec: number; seconds: number };
  redelivery: { eventsPerSec: number; seconds: number; ratio: number; duplicatesDropped: number };
  /** Rows in the events table after both passes: exactly `events`. */
  stored: number;
}

async function storedCount(app: App): Promise<number> {
  const rs = await app.runtime.clickhouse.client.query({ query: `SELECT count() AS n FROM ${TABLES.events}`, format: 'JSONEachRow' });
  return Number((await rs.json<{ n: string }>())[0].n);
}

const duplicates = async (app: App) => (await app.runtime.metrics.duplicates.get()).values[0]?.value ?? 0;

/** Waits until the sink has taken in everything sent: every group's lag is 0 and `done()` holds. */
async function untilDone(app: App, done: () => Promise<boolean>): Promise<void> {
  const groups = consumerGroups(app.runtime.topics);
  for (;;) {
    if (await done()) {
      const lags = await Promise.all(groups.map(([g, t]) => app.runtime.bus.lag(g, t)));
      if (lags.every((l) => l === 0)) return;
    }
    await sleep(20);
  }
}

export async function runRedeliveryBench(config: Config, o: RedeliveryBenchOptions): Promise<RedeliveryBenchResult> {
  const n = o.events;
  const progress = o.onProgress ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'trenddrop-bench-redelivery-'));
  const app = await startApp({ ...config, dataDir: dir, port: 0, host: '127.0.0.1', simulator: false, kafkaBrokers: [] }, { roles: ['ingest', 'processors'], logger: o.logger });
  try {
    const products = benchProductIds(BENCH_PRODUCTS);
    const now = Date.now();
    const ids: string[] = Array.from({ length: n }, () => randomUUID());
    const events = (from: number, count: number): EngagementEvent[] => makeEvents({ prefix: 'r', from, n: count, products, now }).map((e, k) => ({ ...e, eventId: ids[from + k] }));
    const send = (batch: EngagementEvent[]) => app.ingestor.accept('events', batch);

    const t0 = performance.now();
    await flood(send, n, events, (f) => progress(f / 4, 'first pass'));
    await untilDone(app, async () => (await storedCount(app)) >= n);
    const firstSec = (performance.now() - t0) / 1000;

    const before = await duplicates(app);
    const t1 = performance.now();
    await flood(send, n, events, (f) => progress(0.5 + f / 4, 'redelivery'));
    await untilDone(app, async () => (await duplicates(app)) - before >= n);
    const againSec = (performance.now() - t1) / 1000;
    progress(1, 'done');

    const firstEps = n / firstSec, againEps = n / againSec;
    return {
      events: n,
      first: { eventsPerSec: Math.round(firstEps), seconds: +firstSec.toFixed(2) },
      redelivery: { eventsPerSec: Math.round(againEps), seconds: +againSec.toFixed(2), ratio: +(againEps / firstEps).toFixed(3), duplicatesDropped: (await duplicates(app)) - before },
      stored: await storedCount(app),
    };
  } finally {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatRedeliveryBench(r: RedeliveryBenchResult): string[] {
  return [
    `TrendDrop bench — redelivery of ${num(r.events)} UUID-id events already stored`,
    `${label('first pass (accept → counted)')}${num(r.first.eventsPerSec)} events/s  (${r.first.seconds} s)`,
    `${label('same events again (accept → dropped)')}${num(r.redelivery.eventsPerSec)} events/s  (${r.redelivery.seconds} s)`,
    `${label('ratio redelivery / first (target ≥ 0.5)')}${r.redelivery.ratio}`,
    `${label('stored after both passes')}${num(r.stored)} (${r.stored === r.events ? 'exact' : `expected ${num(r.events)}`}); ${num(r.redelivery.duplicatesDropped)} dropped as counted`,
    '',
  ];
}
