// The `pipeline` phase of `trenddrop bench`: the pipeline measured against its own raw ceiling,
// in one run on one machine, so that noise cancels in the ratio.
//   1. ceiling: with the in-process bus, the same rows inserted straight into the events table
//      (with its rollup views) in 50k-row batches — what chdb can take with no pipeline at all;
//      with `--bus kafka`, the same messages produced and consumed by plain kafkajs with no
//      processing — what the client and broker carry with no pipeline at all;
//   2. pipeline: the events put in the way users do (accepted through the ingest path, or
//      produced into the engagement topic by an outside producer) until every one is counted in
//      ClickHouse (validation, bus, sink with dedup, rollups);
//   3. freshness: a steady 10,000 events/s while a WebSocket client subscribed to the
//      products' channels times each message from bus acceptance (Kafka: the produce
//      timestamp) to arrival.
// The other phases are in this folder (fanout.ts, api.ts); cli/bench.ts runs them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { topics as topicNames } from '../core/bus/topics.js';
import type { Config } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { sleep } from '../core/retry.js';
import { MarketSimulator } from '../ingest/simulator.js';
import type { EngagementEvent } from '../schemas/events.js';
import { startApp, type App } from '../app/start-app.js';
import { encodeEvents, insertEvents } from '../processors/event-rows.js';
import { normalizeEvent } from '../schemas/validate.js';
import { TABLES } from '../schemas/clickhouse/tables.js';

export interface PipelineBenchOptions {
  /** Events pushed through the ceiling and the pipeline. */
  events: number;
  bus: 'local' | 'kafka';
  /** How long the freshness stage offers its steady 10,000 events/s. */
  freshnessSeconds: number;
  logger: Logger;
  onProgress?: (fraction: number, stage: string) => void;
}

export interface PipelineBenchResult {
  events: number;
  ceiling: { eventsPerSec: number; seconds: number };
  pipeline: { eventsPerSec: number; seconds: number; ratio: number };
  freshness: { ratePerSec: number; messages: number; p50Ms: number; p99Ms: number };
  rssMiB: number;
  bus: string;
}

const CEILING_BATCH = 50_000;
const ACCEPT_BATCH = 10_000;

function makeEvents(n: number, products: number): EngagementEvent[] {
  const sim = new MarketSimulator({ seed: 7, products, ratePerSec: 1 });
  const ids = sim.catalogue().map((p) => p.productId);
  const now = Date.now();
  const out: EngagementEvent[] = new Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = {
      eventId: `bench-${now}-${i}`, ts: new Date(now - 3_600_000 + (i % 3_600_000)).toISOString(), productId: ids[i % ids.length],
      platform: (['tiktok', 'instagram', 'youtube', 'amazon'] as const)[i % 4], region: ['US', 'DE', 'GB', 'BR', 'JP'][i % 5],
      views: 1 + (i % 97), likes: i % 7, shares: i % 3, comments: i % 5, orders: i % 50 === 0 ? 1 : 0, revenue: i % 50 === 0 ? 19.99 : 0, searches: i % 4,
    };
  }
  return out;
}


async function count(app: App): Promise<number> {
  const rs = await app.runtime.clickhouse.client.query({ query: `SELECT count() AS n FROM ${TABLES.events}`, format: 'JSONEachRow' });
  return Number((await rs.json<{ n: number }>())[0].n);
}

/** What the ceiling's plain inserts wrote, emptied before the pipeline's own run. */
const CEILING_TABLES = [TABLES.events, TABLES.engagement1m, TABLES.engagement1h, TABLES.engagement1d];

async function ceiling(app: App, events: EngagementEvent[]): Promise<number> {
  const ch = app.runtime.clickhouse.client;
  const now = Date.now();
  const t0 = performance.now();
  for (let i = 0; i < events.length; i += CEILING_BATCH) {
    await insertEvents(ch, encodeEvents(events.slice(i, i + CEILING_BATCH).map(normalizeEvent), () => false, now));
  }
  const seconds = (performance.now() - t0) / 1000;
  for (const t of CEILING_TABLES) await ch.command({ query: `TRUNCATE TABLE ${t}` });
  return seconds;
}

/** Sends all events in batches, several in flight, as concurrent clients would. */
async function sendAll(events: EngagementEvent[], send: Send, onProgress: (f: number) => void = () => undefined): Promise<void> {
  const inflight = new Set<Promise<unknown>>();
  for (let i = 0; i < events.length; i += ACCEPT_BATCH) {
    const p = send(events.slice(i, i + ACCEPT_BATCH)).finally(() => inflight.delete(p));
    inflight.add(p);
    if (inflight.size >= 4) await Promise.race(inflight);
    onProgress(i / events.length);
  }
  await Promise.all(inflight);
}

async function pipeline(app: App, events: EngagementEvent[], send: Send, onProgress: (f: number) => void): Promise<number> {
  const t0 = performance.now();
  await sendAll(events, send, (f) => onProgress(f / 2));
  for (;;) {
    const n = await count(app);
    onProgress(0.5 + n / events.length / 2);
    if (n >= events.length) break;
    await sleep(20);
  }
  return (performance.now() - t0) / 1000;
}

async function freshness(app: App, send: Send, ratePerSec: number, seconds: number): Promise<{ messages: number; p50Ms: number; p99Ms: number }> {
  const products = 100;
  const events = makeEvents(ratePerSec * seconds, products).map((e) => ({ ...e, eventId: `fresh-${e.eventId}`, ts: new Date().toISOString() }));
  const ws = new WebSocket(`ws://127.0.0.1:${app.port}/ws`);
  const latencies: number[] = [];
  await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
  const channels = [...new Set(events.slice(0, products).map((e) => `product:${e.productId}`))];
  ws.send(JSON.stringify({ type: 'subscribe', channels }));
  ws.on('message', (raw) => {
    const m = JSON.parse(String(raw));
    if (m.type === 'event' && m.data?.acceptedAt) latencies.push(Date.now() - Date.parse(m.data.acceptedAt));
  });
  await sleep(300);
  const tick = 100;
  const perTick = Math.round((ratePerSec * tick) / 1000);
  const t0 = Date.now();
  for (let i = 0, k = 0; i < events.length; i += perTick, k++) {
    await send(events.slice(i, i + perTick));
    const wait = t0 + (k + 1) * tick - Date.now();
    if (wait > 0) await sleep(wait);
  }
  await sleep(1000);
  ws.close();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return { messages: latencies.length, p50Ms: q(0.5), p99Ms: q(0.99) };
}

/** How events enter the pipeline. */
type Send = (events: EngagementEvent[]) => Promise<unknown>;

/** Per bus: the pipeline's input and the raw ceiling it is measured against. */
interface Feed {
  send: Send;
  /** Seconds the ceiling takes for these events. */
  ceiling(events: EngagementEvent[]): Promise<number>;
  close(): Promise<void>;
}

function embeddedFeed(app: App): Feed {
  return { send: (events) => app.ingestor.accept('events', events), ceiling: (events) => ceiling(app, events), close: async () => undefined };
}

/**
 * Events produced into the engagement topic by a plain kafkajs producer, as any outside client
 * would. The ceiling is plain kafkajs by definition, so this is the one place outside the bus
 * that uses the client directly; consumer settings match the KafkaBus's.
 */
async function kafkaFeed(app: App, brokers: string[], prefix: string): Promise<Feed> {
  const { CompressionTypes, Kafka, logLevel, Partitioners } = await import('kafkajs');
  const kafka = new Kafka({ clientId: 'trenddrop-bench', brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  const produce = (topic: string): Send => (events) =>
    producer.send({ topic, acks: -1, compression: CompressionTypes.None, messages: events.map((e) => ({ key: e.productId, value: JSON.stringify(e) })) });
  return {
    send: produce(app.runtime.topics.engagement),
    async ceiling(events) {
      const topic = `${prefix}ceiling.v1`;
      await app.runtime.bus.ensureTopics([topic]);
      const consumer = kafka.consumer({ groupId: `${prefix}ceiling`, maxBytesPerPartition: 4 * 1024 * 1024, maxWaitTimeInMs: 250 });
      let got = 0, allIn!: () => void;
      const all = new Promise<void>((r) => { allIn = r; });
      const joined = new Promise((r) => consumer.on(consumer.events.GROUP_JOIN, r));
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({ eachBatch: async ({ batch }) => { got += batch.messages.length; if (got >= events.length) allIn(); } });
      // Timed from the first send, with the consumer already in its group, as the sink is.
      await joined;
      const t0 = performance.now();
      await sendAll(events, produce(topic));
      await all;
      const seconds = (performance.now() - t0) / 1000;
      await consumer.disconnect();
      return seconds;
    },
    async close() {
      await producer.disconnect();
      // The run's topics and groups go, so a shared broker does not collect them.
      const admin = kafka.admin();
      await admin.connect();
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
      if (topics.length) await admin.deleteTopics({ topics });
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
      if (groups.length) await admin.deleteGroups(groups).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

export async function runPipelineBench(config: Config, o: PipelineBenchOptions): Promise<PipelineBenchResult> {
  const n = o.events;
  const progress = o.onProgress ?? (() => undefined);
  const kafka = o.bus === 'kafka';
  if (kafka && config.kafkaBrokers.length === 0) throw new ConfigError('KAFKA_BROKERS', 'must name the brokers for bench --bus kafka (e.g. 127.0.0.1:9092 after npm run kafka:up)');
  const dir = mkdtempSync(join(tmpdir(), 'trenddrop-bench-'));
  // Topics and groups of their own, so the run never meets a deployment on the same broker.
  const topicPrefix = kafka ? `trenddrop-bench.${Date.now().toString(36)}.` : config.topicPrefix;
  const app = await startApp({ ...config, dataDir: dir, port: 0, host: '127.0.0.1', simulator: false, kafkaBrokers: kafka ? config.kafkaBrokers : [], topicPrefix }, { roles: ['ingest', 'processors', 'api'], logger: o.logger });
  let feed: Feed | null = null;
  try {
    feed = kafka ? await kafkaFeed(app, config.kafkaBrokers, topicPrefix) : embeddedFeed(app);
    const events = makeEvents(n, 1000);
    progress(0, 'raw ceiling');
    const ceilingSec = await feed.ceiling(events);
    const pipelineSec = await pipeline(app, events, feed.send, (f) => progress(f, 'pipeline'));
    progress(1, 'freshness');
    const fresh = await freshness(app, feed.send, 10_000, o.freshnessSeconds);
    const ceilingEps = n / ceilingSec, pipelineEps = n / pipelineSec;
    return {
      events: n, bus: app.runtime.bus.kind,
      ceiling: { eventsPerSec: Math.round(ceilingEps), seconds: +ceilingSec.toFixed(2) },
      pipeline: { eventsPerSec: Math.round(pipelineEps), seconds: +pipelineSec.toFixed(2), ratio: +(pipelineEps / ceilingEps).toFixed(3) },
      freshness: { ratePerSec: 10_000, ...fresh },
      rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
    };
  } finally {
    await app.stop();
    await feed?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What the ceiling is and where latency starts, per bus. */
const WORDS = {
  local: { ceiling: 'batched chdb inserts', from: 'accept' },
  kafka: { ceiling: 'kafkajs produce → consume', from: 'produce' },
} as const;

/** The pipeline phase as text lines. */
export function formatPipelineBench(r: PipelineBenchResult): string[] {
  const f = (x: number) => x.toLocaleString('en-US');
  const w = WORDS[r.bus === 'kafka' ? 'kafka' : 'local'];
  const label = (text: string) => `  ${text.padEnd(40)}`;
  return [
    `TrendDrop bench — ${f(r.events)} events, ${r.bus} bus`,
    `${label(`raw ceiling (${w.ceiling})`)}${f(r.ceiling.eventsPerSec)} events/s  (${r.ceiling.seconds} s)`,
    `${label(`pipeline (${w.from} → counted)`)}${f(r.pipeline.eventsPerSec)} events/s  (${r.pipeline.seconds} s)`,
    `${label('ratio pipeline / ceiling')}${r.pipeline.ratio}`,
    `${label(`${w.from} → WebSocket at ${f(r.freshness.ratePerSec)}/s`)}p50 ${r.freshness.p50Ms} ms, p99 ${r.freshness.p99Ms} ms (${f(r.freshness.messages)} messages)`,
    `${label('resident memory')}${f(r.rssMiB)} MiB`,
    '',
  ];
}
