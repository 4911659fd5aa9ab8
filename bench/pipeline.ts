// The `pipeline` phase of `trenddrop bench`: the pipeline measured against its own raw ceiling,
// in one run on one machine, so that noise cancels in the ratio.
//   1. ceiling: with the in-process bus, the same rows inserted straight into the events table
//      (with its rollup views) in 50k-row batches — what chdb can take with no pipeline at all;
//      with `--bus kafka`, the same messages produced and consumed by plain kafkajs with no
//      processing — what the client and broker carry with no pipeline at all;
//   2. pipeline: the events put in the way users do (accepted through the ingest path, or
//      produced into the engagement topic by an outside producer, a process of its own) until
//      every one is counted in ClickHouse (validation, bus, sink with dedup, rollups);
//   3. freshness: a steady 10,000 events/s while a WebSocket client subscribed to the
//      products' channels times each message from bus acceptance (Kafka: the produce
//      timestamp) to arrival, and splits that time by stage (see Timeline); beside it, the
//      time to stored (the writes, which the live messages no longer wait for).
// The other phases are in this folder (fanout.ts, api.ts); cli/bench.ts runs them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { sleep } from '../core/retry.js';
import type { EngagementEvent } from '../schemas/events.js';
import type { Update } from '../schemas/updates.js';
import { startApp, type App } from '../app/start-app.js';
import { encodeEvents, insertEvents } from '../processors/event-rows.js';
import { normalizeEvent } from '../schemas/validate.js';
import { TABLES } from '../schemas/clickhouse/tables.js';
import { BenchChild } from './child.js';
import { BENCH_PRODUCTS, benchProductIds, FRESH_PRODUCTS, makeEvents } from './events.js';
import type { FreshnessCommand, FreshnessReply } from './freshness-client.js';
import type { ProducerCommand, ProducerReply } from './kafka-producer.js';
import { flood, pace, type Send } from './load.js';
import { num, label } from './format.js';

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
  /**
   * cpuUsPerEvent: CPU time this process spent per event (all its threads, chdb's included; not
   * the broker's, nor the Kafka producer's): on a busy machine a steadier figure than the rates.
   */
  ceiling: { eventsPerSec: number; seconds: number; cpuUsPerEvent: number };
  /**
   * writes: the sink's writes during the phase; the ceiling's inserts are CEILING_BATCH rows each, and
   * smaller ones cost the engine more a row (a part per insert in the table and each view).
   */
  pipeline: { eventsPerSec: number; seconds: number; ratio: number; cpuUsPerEvent: number; writes: number };
  freshness: Freshness & { ratePerSec: number };
  rssMiB: number;
  bus: string;
}

const CEILING_BATCH = 50_000;
const FRESH_RATE = 10_000;

async function count(app: App): Promise<number> {
  const rs = await app.runtime.clickhouse.client.query({ query: `SELECT count() AS n FROM ${TABLES.events}`, format: 'JSONEachRow' });
  return Number((await rs.json<{ n: number }>())[0].n);
}

/**
 * Waits for the sink to report `n` rows stored (its counter moves once an insert has returned),
 * then confirms with ClickHouse's own count. Polled every 20 ms, a count() cost the engine about
 * 3 ms of CPU each: hundreds of them in a run, charged to the pipeline and not to the ceiling.
 */
async function untilCounted(app: App, n: number, onProgress: (f: number) => void): Promise<void> {
  const sinkStored = async () => (await app.runtime.metrics.stored.get()).values[0]?.value ?? 0;
  for (;;) {
    const reported = await sinkStored();
    onProgress(Math.min(reported, n) / n);
    if (reported >= n && (await count(app)) >= n) return;
    await sleep(20);
  }
}

/** Inserts the sink has made so far. */
async function sinkWrites(app: App): Promise<number> {
  return (await app.runtime.metrics.flushRows.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
}

type Quantiles = { p50Ms: number; p99Ms: number };

/**
 * Where an event's time goes on its way to the browser, stage by stage, each a p50/p99 over the
 * sink's engagement updates (`accept`: over the sends): the send's ack; the bus handing the batch
 * to the sink; the sink taking it in (validation, room behind the running write, the dedup
 * filter) until it publishes the batch's counts; the update's trip over the updates topic to the
 * API and the gateway framing it; the socket. All but `accept` add up to the total, batch by batch.
 */
export interface Timeline { accept: Quantiles; busToSink: Quantiles; sinkAnnounce: Quantiles; updateToFrame: Quantiles; socket: Quantiles }

/**
 * The writes, off the live messages' path, each a p50/p99 over the writes: waiting for the write
 * before (group commit), the write itself (dedup lookups, insert through the rollup views), and
 * bus acceptance to stored (the write's earliest event).
 */
export interface Stored { sinkQueue: Quantiles; sinkWrite: Quantiles; acceptToStored: Quantiles }

export interface Freshness extends Quantiles { messages: number; timeline: Timeline; stored: Stored }

function percentiles(xs: number[]): Quantiles {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  return { p50Ms: Math.round(q(0.5)), p99Ms: Math.round(q(0.99)) };
}

async function freshness(app: App, feed: Feed, seconds: number): Promise<Freshness> {
  // The sink's stamps of each batch, read off the updates topic beside the API, keyed by the
  // batch's acceptance time, which its WebSocket frames carry too; and those of each write.
  const announced = new Map<number, { deliveredAt: number; announcedAt: number }>();
  const stored = { sinkQueue: [] as number[], sinkWrite: [] as number[], acceptToStored: [] as number[] };
  let measuring = false;
  const updates = await app.runtime.bus.subscribe({
    groupId: 'trenddrop-bench-timeline', topics: [app.runtime.topics.updates], ephemeral: true,
    handler: async (batch) => {
      for (const { value: u } of batch as { value: Update }[]) {
        if (u.kind === 'engagement' && !announced.has(u.acceptedAt)) announced.set(u.acceptedAt, u);
        if (u.kind === 'engagement-stored' && measuring) {
          stored.sinkQueue.push(u.startedAt - u.deliveredAt);
          stored.sinkWrite.push(u.writtenAt - u.startedAt);
          stored.acceptToStored.push(u.writtenAt - u.acceptedAt);
        }
      }
    },
  });
  await updates.ready;
  // The client is a process of its own, as a browser is: in this one its frames' reads shared
  // the event loop with the server it timed.
  const client = new BenchChild<FreshnessCommand, FreshnessReply>('bench/freshness-client.ts');
  let accept: number[], got: Extract<FreshnessReply, { op: 'collected' }>;
  try {
    await client.ask({ op: 'listen', url: `ws://127.0.0.1:${app.port}/ws`, channels: benchProductIds(FRESH_PRODUCTS).map((id) => `product:${id}`) }, 'listening');
    await sleep(300);
    measuring = true;
    accept = await feed.pace(FRESH_RATE, seconds);
    await sleep(1000);
    measuring = false;
    got = await client.ask({ op: 'collect' }, 'collected');
  } finally {
    client.close();
    await updates.close();
  }
  const latencies: number[] = [], socket: number[] = [];
  const framed = new Map<number, number>(); // acceptedAt → when the gateway framed it (once per write)
  for (let i = 0; i < got.acceptedAt.length; i++) {
    const acceptedAt = got.acceptedAt[i], framedAt = got.framedAt[i];
    latencies.push(got.arrivedAt[i] - acceptedAt);
    socket.push(got.arrivedAt[i] - framedAt);
    if (!framed.has(acceptedAt)) framed.set(acceptedAt, framedAt);
  }
  const stages = { busToSink: [] as number[], sinkAnnounce: [] as number[], updateToFrame: [] as number[] };
  for (const [acceptedAt, framedAt] of framed) {
    const a = announced.get(acceptedAt);
    if (!a) continue;
    stages.busToSink.push(a.deliveredAt - acceptedAt);
    stages.sinkAnnounce.push(a.announcedAt - a.deliveredAt);
    stages.updateToFrame.push(framedAt - a.announcedAt);
  }
  return {
    messages: latencies.length, ...percentiles(latencies),
    timeline: { accept: percentiles(accept), busToSink: percentiles(stages.busToSink), sinkAnnounce: percentiles(stages.sinkAnnounce), updateToFrame: percentiles(stages.updateToFrame), socket: percentiles(socket) },
    stored: { sinkQueue: percentiles(stored.sinkQueue), sinkWrite: percentiles(stored.sinkWrite), acceptToStored: percentiles(stored.acceptToStored) },
  };
}

/** Per bus: how events go in the way users put them, and the raw ceiling they are measured against. */
interface Feed {
  /** Seconds the raw ceiling takes for the run's `n` events. */
  ceiling(n: number): Promise<number>;
  /** Puts the run's `n` events in as fast as they are taken (the pipeline then counts them). */
  flood(n: number, onProgress: (f: number) => void): Promise<void>;
  /** Puts fresh events in at a steady rate; resolves with each send's time to its ack (ms). */
  pace(ratePerSec: number, seconds: number): Promise<number[]>;
  close(): Promise<void>;
}

/** What the ceiling's plain inserts wrote, emptied before the pipeline's own run. */
const CEILING_TABLES = [TABLES.events, TABLES.engagement1m, TABLES.engagement1h, TABLES.engagement1d];

/**
 * Events accepted through the ingest path, as the HTTP route does (validation, the bus's log).
 * The ceiling inserts the same rows straight into the events table, whose views write the
 * rollups, and empties the tables again for the pipeline.
 */
function embeddedFeed(app: App, run: string, products: string[], n: number): Feed {
  // As the HTTP route hands events over: parsed from JSON. Built before anything is timed, and
  // the same events for the ceiling and the pipeline.
  const all: EngagementEvent[] = JSON.parse(JSON.stringify(makeEvents({ prefix: run, n, products, now: Date.now() })));
  const accept: Send = (batch) => app.ingestor.accept('events', batch);
  return {
    async ceiling(n) {
      const ch = app.runtime.clickhouse.writer;
      const now = Date.now();
      const t0 = performance.now();
      for (let i = 0; i < n; i += CEILING_BATCH) await insertEvents(ch, encodeEvents(all.slice(i, i + CEILING_BATCH).map(normalizeEvent), () => false, now));
      const seconds = (performance.now() - t0) / 1000;
      for (const t of CEILING_TABLES) await ch.command({ query: `TRUNCATE TABLE ${t}` });
      return seconds;
    },
    flood: (n, onProgress) => flood(accept, n, (from, count) => all.slice(from, from + count), onProgress),
    pace: (ratePerSec, seconds) => pace((batch) => accept(JSON.parse(JSON.stringify(batch))), { prefix: `${run}-fresh`, ratePerSec, seconds, products: products.slice(0, FRESH_PRODUCTS) }),
    close: async () => undefined,
  };
}

/**
 * Events produced into the engagement topic by a plain kafkajs producer in a process of its own,
 * as any outside client would. The ceiling is plain kafkajs by definition: the same producer
 * into a topic of the run's, drained by a plain kafkajs consumer here, with no processing.
 */
async function kafkaFeed(app: App, config: Config, prefix: string, run: string, products: string[]): Promise<Feed> {
  const brokers = config.kafkaBrokers;
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({ clientId: 'trenddrop-bench', brokers, logLevel: logLevel.NOTHING });
  const producer = new BenchChild<ProducerCommand, ProducerReply>('bench/kafka-producer.ts');
  await producer.ask({ op: 'connect', brokers }, 'connected');
  const now = Date.now();
  const floodInto = (topic: string, n: number) => producer.ask({ op: 'flood', topic, prefix: run, n, products, now }, 'flooded');
  return {
    async ceiling(n) {
      const topic = `${prefix}ceiling.v1`;
      await app.runtime.bus.ensureTopics([topic]);
      const consumer = kafka.consumer({ groupId: `${prefix}ceiling`, maxBytesPerPartition: 4 * 1024 * 1024, maxWaitTimeInMs: 250 });
      let got = 0, allIn!: () => void;
      const all = new Promise<void>((r) => { allIn = r; });
      const joined = new Promise((r) => consumer.on(consumer.events.GROUP_JOIN, r));
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({ partitionsConsumedConcurrently: config.partitions, eachBatch: async ({ batch }) => { got += batch.messages.length; if (got >= n) allIn(); } });
      // Timed from the first send, with the consumer already in its group, as the sink is.
      await joined;
      const t0 = performance.now();
      await floodInto(topic, n);
      await all;
      const seconds = (performance.now() - t0) / 1000;
      await consumer.disconnect();
      return seconds;
    },
    flood: (n) => floodInto(app.runtime.topics.engagement, n).then(() => undefined),
    pace: async (ratePerSec, seconds) => (await producer.ask({ op: 'pace', topic: app.runtime.topics.engagement, prefix: `${run}-fresh`, ratePerSec, seconds, products: products.slice(0, FRESH_PRODUCTS) }, 'paced')).acksMs,
    async close() {
      producer.close();
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
  const run = `bench-${Date.now().toString(36)}`;
  // Topics and groups of their own, so the run never meets a deployment on the same broker.
  const topicPrefix = kafka ? `trenddrop-${run}.` : config.topicPrefix;
  const app = await startApp({ ...config, dataDir: dir, port: 0, host: '127.0.0.1', simulator: false, kafkaBrokers: kafka ? config.kafkaBrokers : [], topicPrefix }, { roles: ['ingest', 'processors', 'api'], logger: o.logger });
  let feed: Feed | null = null;
  try {
    const products = benchProductIds(BENCH_PRODUCTS);
    feed = kafka ? await kafkaFeed(app, config, topicPrefix, run, products) : embeddedFeed(app, run, products, n);
    progress(0, 'raw ceiling');
    let cpu = process.cpuUsage();
    const cpuUsPerEvent = () => { const d = process.cpuUsage(cpu); cpu = process.cpuUsage(); return +((d.user + d.system) / n).toFixed(1); };
    const ceilingSec = await feed.ceiling(n);
    const ceilingCpu = cpuUsPerEvent();
    const writesBefore = await sinkWrites(app);
    const t0 = performance.now();
    await feed.flood(n, (f) => progress(f / 2, 'pipeline'));
    await untilCounted(app, n, (f) => progress(0.5 + f / 2, 'pipeline'));
    const pipelineSec = (performance.now() - t0) / 1000;
    const pipelineCpu = cpuUsPerEvent();
    const writes = (await sinkWrites(app)) - writesBefore;
    progress(1, 'freshness');
    const fresh = await freshness(app, feed, o.freshnessSeconds);
    const ceilingEps = n / ceilingSec, pipelineEps = n / pipelineSec;
    return {
      events: n, bus: app.runtime.bus.kind,
      ceiling: { eventsPerSec: Math.round(ceilingEps), seconds: +ceilingSec.toFixed(2), cpuUsPerEvent: ceilingCpu },
      pipeline: { eventsPerSec: Math.round(pipelineEps), seconds: +pipelineSec.toFixed(2), ratio: +(pipelineEps / ceilingEps).toFixed(3), cpuUsPerEvent: pipelineCpu, writes },
      freshness: { ratePerSec: FRESH_RATE, ...fresh },
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
  const w = WORDS[r.bus === 'kafka' ? 'kafka' : 'local'];
  return [
    `TrendDrop bench — ${num(r.events)} events, ${r.bus} bus`,
    `${label(`raw ceiling (${w.ceiling})`)}${num(r.ceiling.eventsPerSec)} events/s  (${r.ceiling.seconds} s; ${r.ceiling.cpuUsPerEvent} µs CPU an event here)`,
    `${label(`pipeline (${w.from} → counted)`)}${num(r.pipeline.eventsPerSec)} events/s  (${r.pipeline.seconds} s; ${r.pipeline.cpuUsPerEvent} µs CPU an event; ${num(r.pipeline.writes)} writes)`,
    `${label('ratio pipeline / ceiling')}${r.pipeline.ratio}`,
    `${label(`${w.from} → WebSocket at ${num(r.freshness.ratePerSec)}/s`)}p50 ${r.freshness.p50Ms} ms, p99 ${r.freshness.p99Ms} ms (${num(r.freshness.messages)} messages)`,
    `${label('  where the time goes, p50 / p99')}${Object.entries(r.freshness.timeline).map(([k, q]) => `${k} ${q.p50Ms}/${q.p99Ms}`).join(', ')} ms`,
    `${label('  the writes, off that path')}${Object.entries(r.freshness.stored).map(([k, q]) => `${k} ${q.p50Ms}/${q.p99Ms}`).join(', ')} ms`,
    `${label('resident memory')}${num(r.rssMiB)} MiB`,
    '',
  ];
}
