// `trenddrop bench`, soak phase: a whole embedded TrendDrop (ingest, processors, API) under
// steady load at the API phase's scale for a given time, its memory sampled throughout.
//   1. load: the API phase's catalogue and stored history (bench/api.ts), so the scorer and the
//      reads work on 100k products as in production; then the process restarts on that data
//      with every role, as a running deployment would be;
//   2. hold: events accepted at a steady rate through the ingest path (spread over every
//      product), the overview and the explorer read over HTTP every second, the processors
//      (sink, scorer, forecaster, …) running on their own schedules;
//   3. event time: the history ends in the past and the soak's events replay the hours after it
//      faster than real time (one event hour every `settleEverySec`), reaching the clock at the
//      end, so that the allowed lateness is passed and hours settle inside the soak: the scorer's
//      hourly rounds, breakouts and alerts, and the forecaster's refreshes run under the load.
//      At real time (3600 s) a 10-minute soak mostly settled no hour at all;
//   4. sample: resident memory and V8 heap every `sampleMs` (the heap both as used, garbage
//      included, and as the last full collection left it); the trend is a least-squares slope
//      over the samples after the first fifth (start-up allocations settle there), per hour;
//   5. attribute: beside the totals, the resident memory by owner (bench/soak-memory.ts): V8's
//      committed heap pages, the engine's allocator (jemalloc inside chdb) and the rest of the
//      anonymous pages (glibc's heap: Node's native memory, Buffers), so that growth outside the
//      live heap can be told apart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants as perf, PerformanceObserver } from 'node:perf_hooks';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { sleep } from '../core/retry.js';
import { count, gte } from 'drizzle-orm';
import { rows } from '../api/queries/sql.js';
import { alerts } from '../schemas/postgres/schema.js';
import { startApp, type App } from '../app/start-app.js';
import { TABLES } from '../schemas/clickhouse/tables.js';
import { ar1VarianceInflation } from '../analytics/stats.js';
import { load, type Latency } from './api.js';
import { makeEvents } from './events.js';
import { pace } from './load.js';
import { num, label } from './format.js';
import { engineMemory, processMemory } from './soak-memory.js';
import { watchEventLoop, STALL_MS, type EventLoopReport } from './event-loop.js';

export interface SoakSample {
  /** Seconds since the steady load began. */
  t: number;
  rssMiB: number;
  heapUsedMiB: number;
  /**
   * The V8 heap as the last full collection left it: what is still referenced. `heapUsedMiB` also
   * counts garbage not yet collected, which V8 lets pile up to hundreds of MiB between collections
   * (a round's temporaries), so it rises and falls with the collector's timing, not with what is kept.
   */
  heapLiveMiB: number;
  /** Memory of JavaScript objects held outside the V8 heap (Buffers, ArrayBuffers: insert bodies, query results). */
  externalMiB: number;
  /** What the embedded ClickHouse engine accounts for (its MemoryTracking: queries, merges, caches), as last read. */
  engineMiB: number;
  /** The engine's caches, summed (part of `engineMiB`), as last read. */
  engineCachesMiB: number;
  /** The engine's allocator (jemalloc): bytes held by its callers, as last read (-1 on a server). */
  allocatorAllocatedMiB: number;
  /** The engine's allocator: pages it keeps resident, freed ones not yet purged included, as last read (-1 on a server). */
  allocatorResidentMiB: number;
  /** V8 heap pages committed (used, garbage and free space in them). */
  heapCommittedMiB: number;
  /** Resident anonymous pages (every heap and stack) and file-backed ones (code, mapped files): see bench/soak-memory.ts. */
  anonMiB: number;
  fileMiB: number;
  /** ArrayBuffers and Buffers (part of `externalMiB`). */
  arrayBuffersMiB: number;
  /** V8's own malloc'ed memory outside its heap pages. */
  v8MallocedMiB: number;
  /** Events stored so far by the pipeline (of those sent during the soak). */
  stored: number;
}

export interface SoakBenchResult {
  products: number;
  /** Events stored before the soak (the API phase's history). */
  preloaded: number;
  /** Seconds until a first batch sent after loading was stored (the sink's catch-up on the preloaded ids), before the soak's clock starts. */
  warmupSec: number;
  durationSec: number;
  ratePerSec: number;
  sent: number;
  stored: number;
  samples: SoakSample[];
  rss: MemoryTrend;
  heap: MemoryTrend;
  heapLive: MemoryTrend;
  external: MemoryTrend;
  engine: MemoryTrend;
  heapCommitted: MemoryTrend;
  /** The engine's allocator, resident (embedded only: all -1 on a server). */
  allocatorResident: MemoryTrend;
  /**
   * Resident anonymous memory neither V8's heap pages nor the engine's allocator holds: Node's and
   * its libraries' native heap (glibc malloc, Buffers among it) and thread stacks.
   */
  otherNative: MemoryTrend;
  /** glibc's mmap threshold as the process started with it (bin/trenddrop.sh fixes it); null: glibc's dynamic one. */
  mallocMmapThreshold: string | null;
  /** Event hours the soak's events spanned (durationSec / settleEverySec): about as many hours settle inside it. */
  eventHours: number;
  /** Written after the restart on the loaded data (its first round settles the hour after the stored scores). */
  afterRestart: Written;
  /** Written after the soak's clock started: the hourly rounds under the load. */
  duringSoak: Written;
  /** The reads made during the soak (each answered with the response cache stale or fresh, as it came). */
  reads: { n: number; errors: number } & Latency;
  /** The ingest path's acknowledgements of each tick's batch. */
  acks: Latency;
  /** How long the main thread was held during the soak (everything the process serves waits behind it). */
  eventLoop: EventLoopReport;
}

export interface Written {
  /** Scores (each hour the watermark settles, every product with engagement in its window once). */
  scored: number;
  /** Breakout alerts stored. */
  alerts: number;
  /** Forecasts the forecaster's rounds stored. */
  forecasts: number;
}

export interface MemoryTrend {
  startMiB: number;
  endMiB: number;
  peakMiB: number;
  /** Least-squares slope over the samples after the first fifth. */
  slopeMiBPerHour: number;
  /**
   * Half-width of the slope's 95 % interval: its OLS standard error inflated by (1 + ρ)/(1 − ρ)
   * for lag-1 autocorrelated residuals (memory swings with rounds and merges that outlast a
   * sample, so the samples are not independent), times 1.96. NaN with fewer than three samples.
   */
  slopeCi95MiBPerHour: number;
  /** |slope| within FLAT_PER_HOUR of the mean over those samples. */
  flat: boolean;
}

export interface SoakBenchOptions {
  products: number;
  /** Events stored before the soak begins. */
  preload: number;
  durationSec: number;
  ratePerSec: number;
  /** Wall seconds per event hour of the soak's events (default 300; 3600 is real time). */
  settleEverySec?: number;
  /** Seconds between memory samples (default: 60 samples over the run, at least one a second). */
  sampleSec?: number;
  logger: Logger;
  onProgress?: (f: number, label: string) => void;
}

/** A trend counts as flat when it would move memory by at most this share of its mean in an hour. */
export const FLAT_PER_HOUR = 0.05;
const READ_EVERY_MS = 1000;
const READS = ['overview?range=24h', 'products?sort=-score', 'products?sort=-views&category=Home'];

const mib = (bytes: number) => Math.round(bytes / 2 ** 20);

function quantiles(xs: number[]): Latency {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => +(s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN).toFixed(1);
  return { p50Ms: q(0.5), p95Ms: q(0.95) };
}

/** The 95 % half-width of a least-squares slope from its residuals (per unit of t), as MemoryTrend says. */
function slopeHalfWidth(residuals: number[], sxx: number): number {
  const n = residuals.length;
  if (n < 3 || !(sxx > 0)) return NaN;
  const sse = residuals.reduce((a, e) => a + e * e, 0);
  return 1.96 * Math.sqrt((sse / (n - 2)) * ar1VarianceInflation(residuals) / sxx);
}

/** The trend of `value` over the samples, the first fifth left out. */
export function memoryTrend(samples: SoakSample[], value: (s: SoakSample) => number): MemoryTrend {
  const settled = samples.slice(Math.floor(samples.length / 5));
  const n = settled.length;
  const mx = settled.reduce((a, s) => a + s.t, 0) / n;
  const my = settled.reduce((a, s) => a + value(s), 0) / n;
  const sxx = settled.reduce((a, s) => a + (s.t - mx) ** 2, 0);
  const sxy = settled.reduce((a, s) => a + (s.t - mx) * (value(s) - my), 0);
  const slope = n > 1 && sxx > 0 ? sxy / sxx : 0;
  const slopePerHour = slope * 3600;
  return {
    startMiB: value(samples[0]), endMiB: value(samples[samples.length - 1]), peakMiB: Math.max(...samples.map(value)),
    slopeMiBPerHour: Math.round(slopePerHour), slopeCi95MiBPerHour: Math.round(slopeHalfWidth(settled.map((s) => value(s) - my - slope * (s.t - mx)), sxx) * 3600),
    flat: Math.abs(slopePerHour) <= FLAT_PER_HOUR * my,
  };
}

/**
 * The heap as each full (mark-compact) collection leaves it, read when the collector's notice
 * arrives (a few allocations after it); until the first one, the heap used when called.
 */
export function watchLiveHeap(): { bytes: () => number; stop: () => void } {
  let live = process.memoryUsage().heapUsed;
  const observer = new PerformanceObserver((list) => {
    if (list.getEntries().some((e) => ((e as PerformanceEntry & { detail?: { kind?: number } }).detail)?.kind === perf.NODE_PERFORMANCE_GC_MAJOR)) live = process.memoryUsage().heapUsed;
  });
  observer.observe({ entryTypes: ['gc'] });
  return { bytes: () => live, stop: () => observer.disconnect() };
}

/**
 * Events stored since `sinceMs` (the preloaded history is stamped as stored at its event times,
 * all before), and the engine's tracked memory.
 */
type StoreSample = Pick<SoakSample, 'stored' | 'engineMiB' | 'engineCachesMiB' | 'allocatorAllocatedMiB' | 'allocatorResidentMiB'>;
async function storeSample(app: App, sinceMs: number): Promise<StoreSample> {
  const ch = app.runtime.clickhouse;
  const [r] = await rows<{ n: string }>(ch.client, `SELECT count() AS n FROM ${TABLES.events} WHERE ingestedAt >= fromUnixTimestamp64Milli({since:Int64})`, { since: sinceMs });
  const e = await engineMemory(ch.client, ch.kind === 'chdb');
  return { stored: Number(r.n), engineMiB: e.trackedMiB, engineCachesMiB: e.cachesMiB, allocatorAllocatedMiB: e.allocatedMiB, allocatorResidentMiB: e.residentMiB };
}

/** A memory sample of this process now, with the engine's figures as last read. */
function memorySample(t: number, heapLive: number, store: StoreSample): SoakSample {
  const m = process.memoryUsage();
  const p = processMemory();
  return { t: +t.toFixed(1), rssMiB: mib(m.rss), heapUsedMiB: mib(m.heapUsed), heapLiveMiB: mib(heapLive), externalMiB: mib(m.external), ...p, ...store };
}

/** Anonymous resident memory that is neither V8's heap pages nor the engine's allocator's. */
export const otherNativeMiB = (s: SoakSample) => s.anonMiB - s.heapCommittedMiB - Math.max(0, s.allocatorResidentMiB);

/** Scores and alerts written since `sinceMs` (scoredAt and createdAt are the writer's clock); forecasts since `forecastsBefore` were counted. */
async function written(app: App, sinceMs: number, forecastsBefore: number): Promise<Written> {
  const [r] = await rows<{ n: string }>(app.runtime.clickhouse.client,
    `SELECT count() AS n FROM ${TABLES.trendScoreHistory} WHERE scoredAt >= fromUnixTimestamp64Milli({since:Int64})`, { since: sinceMs });
  const [a] = await app.runtime.postgres.db.select({ n: count() }).from(alerts).where(gte(alerts.createdAt, new Date(sinceMs)));
  return { scored: Number(r.n), alerts: a.n, forecasts: (app.processors?.forecaster.storedTotal ?? 0) - forecastsBefore };
}

/**
 * The API phase's catalogue and history, loaded by an app of its own (the API role only), stopped
 * when done. A function of its own so that nothing holds that app afterwards: a local of the soak's
 * async function stays in its suspended frame for the whole soak, and held the stopped app's
 * product index (100k entries, two copies of each product's fields) beside the running one's.
 */
async function loadHistory(appConfig: Config, o: SoakBenchOptions, end: number, progress: (f: number, label: string) => void): Promise<void> {
  const loading = await startApp(appConfig, { roles: ['api'], logger: o.logger, agent: false });
  try {
    await load(loading, { products: o.products, events: o.preload, logger: o.logger, end }, progress);
  } finally {
    await loading.stop();
  }
}

/**
 * Loads the API phase's data into a fresh embedded TrendDrop with every role (temporary data
 * dir, removed afterwards), then holds a steady load on it for `durationSec`, sampling memory.
 */
export async function runSoakBench(config: Config, o: SoakBenchOptions): Promise<SoakBenchResult> {
  const progress = o.onProgress ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'trenddrop-bench-soak-'));
  const appConfig: Config = { ...config, dataDir: dir, port: 0, host: '127.0.0.1', simulator: false, kafkaBrokers: [], clickhouseUrl: null, databaseUrl: null };
  let app: App | null = null;
  const settleEverySec = o.settleEverySec ?? 300;
  if (!(settleEverySec > 0 && settleEverySec <= 3600)) throw new RangeError(`settleEverySec must be in (0, 3600], got ${settleEverySec}`);
  // Event time runs `speed` times the clock during the soak and reaches the clock at its end, so
  // it starts `lagMs` behind, and the history is loaded to end before that.
  const speed = 3600 / settleEverySec;
  const lagMs = Math.round(o.durationSec * 1000 * (speed - 1));
  try {
    // The history is loaded without the processors, then the process restarts on it with every
    // role. A scorer running beside the load found the events before their stored scores, so
    // its first round, once the soak's events moved the watermark, scored the whole preloaded
    // week (a cold backfill of 16.8M scores at 100k products, the 3.9 GiB peak of an earlier
    // soak) instead of the hour that follows the stored scores, as a running process does.
    await loadHistory(appConfig, o, Date.now() - lagMs, (f, label) => progress(0.2 * f, `load: ${label}`));
    progress(0.2, 'restart on the loaded data');
    const restartedAt = Date.now();
    const running = app = await startApp(appConfig, { roles: ['ingest', 'processors', 'api'], logger: o.logger, agent: false });
    const products = Array.from({ length: o.products }, (_, i) => `p-${i}`);
    const prefix = `soak-${Date.now().toString(36)}`;
    // One batch is written through first, so that the clock starts on the pipeline as it runs,
    // not on its first batch (the sink's and the rounds' first reads of the loaded history).
    progress(0.2, 'pipeline warm-up');
    const warmStart = performance.now();
    await running.ingestor.accept('events', makeEvents({ prefix: `${prefix}-warmup`, n: 100, products, now: Date.now() - lagMs, live: true }));
    await running.drain();
    const warmupSec = +((performance.now() - warmStart) / 1000).toFixed(1);
    o.logger.info({ seconds: warmupSec }, 'soak: pipeline warmed up');
    const since = Date.now();
    const forecastsBefore = running.processors?.forecaster.storedTotal ?? 0;
    // Never ahead of the clock (a late tick), where the sink would not move the watermark.
    const eventTime = (now: number) => Math.min(now, since - lagMs + (now - since) * speed);
    const sampleMs = 1000 * (o.sampleSec ?? Math.max(1, o.durationSec / 60));
    const samples: SoakSample[] = [];
    const readTimes: number[] = [];
    let readErrors = 0;
    let done = false;
    const liveHeap = watchLiveHeap();
    const loop = watchEventLoop();
    const t0 = performance.now();
    const url = `http://127.0.0.1:${running.port}/api/v1/`;

    // The stored count and the engine's memory are a query, which on the embedded engine can wait
    // behind a scorer round: they are kept by a loop of their own, so that the memory samples keep
    // their times.
    let store: StoreSample = { stored: 0, engineMiB: 0, engineCachesMiB: 0, allocatorAllocatedMiB: 0, allocatorResidentMiB: 0 };
    const counter = (async () => {
      while (!done) {
        store = await storeSample(running, since);
        await sleep(sampleMs);
      }
    })();
    const sampler = (async () => {
      while (!done) {
        const t = (performance.now() - t0) / 1000;
        const s = memorySample(t, liveHeap.bytes(), store);
        samples.push(s);
        progress(0.2 + 0.8 * Math.min(1, t / o.durationSec), `soak: ${s.rssMiB.toLocaleString('en-US')} MiB resident`);
        await sleep(sampleMs - ((performance.now() - t0) % sampleMs));
      }
    })();
    const reader = (async () => {
      for (let k = 0; !done; k++) {
        const started = performance.now();
        try {
          const r = await fetch(url + READS[k % READS.length]);
          await r.arrayBuffer();
          if (r.status !== 200) readErrors++;
          else readTimes.push(performance.now() - started);
        } catch {
          readErrors++;
        }
        await sleep(Math.max(0, READ_EVERY_MS - (performance.now() - started)));
      }
    })();
    const acks = await pace((batch) => running.ingestor.accept('events', JSON.parse(JSON.stringify(batch))), { prefix, ratePerSec: o.ratePerSec, seconds: o.durationSec, products, eventTime });
    done = true;
    const eventLoop = loop.stop();
    await Promise.all([sampler, reader, counter]);
    // The last sample, once everything sent is stored: memory with the load just ended.
    const sent = Math.round((o.ratePerSec * 100) / 1000) * acks.length;
    await running.drain();
    const last = await storeSample(running, since);
    const stored = last.stored;
    liveHeap.stop();
    samples.push(memorySample((performance.now() - t0) / 1000, liveHeap.bytes(), last));
    progress(1, 'done');
    return {
      products: o.products, preloaded: o.preload, warmupSec, durationSec: o.durationSec, ratePerSec: o.ratePerSec, sent, stored, samples,
      rss: memoryTrend(samples, (s) => s.rssMiB), heap: memoryTrend(samples, (s) => s.heapUsedMiB), heapLive: memoryTrend(samples, (s) => s.heapLiveMiB), engine: memoryTrend(samples, (s) => s.engineMiB), external: memoryTrend(samples, (s) => s.externalMiB),
      heapCommitted: memoryTrend(samples, (s) => s.heapCommittedMiB), allocatorResident: memoryTrend(samples, (s) => s.allocatorResidentMiB), otherNative: memoryTrend(samples, otherNativeMiB),
      mallocMmapThreshold: process.env.MALLOC_MMAP_THRESHOLD_ || null,
      eventHours: +(o.durationSec / settleEverySec).toFixed(1), afterRestart: await written(running, restartedAt, 0), duringSoak: await written(running, since, forecastsBefore),
      reads: { n: readTimes.length, errors: readErrors, ...quantiles(readTimes) }, acks: quantiles(acks), eventLoop,
    };
  } finally {
    // The scorer's and forecaster's rounds over 100k products run for minutes and a stop waits
    // for them; the measurement is over, so their queries are cut short.
    await app?.cancelInFlight();
    await app?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The last sample's resident memory by owner. */
const lastSplit = (s: SoakSample) => [
  `${num(s.rssMiB)} resident = ${num(s.fileMiB)} file-backed + ${num(s.anonMiB)} anonymous`,
  `V8 heap ${num(s.heapCommittedMiB)} committed (${num(s.heapLiveMiB)} live)`,
  ...(s.allocatorResidentMiB >= 0 ? [`engine allocator ${num(s.allocatorResidentMiB)} resident (${num(s.allocatorAllocatedMiB)} allocated, caches ${num(s.engineCachesMiB)})`] : []),
  `other native ${num(otherNativeMiB(s))} (Buffers ${num(s.arrayBuffersMiB)})`,
].join('; ');

/** The stalls of a second or more, each as "at s: held ms". */
const stalls = (e: EventLoopReport) => e.stalls.length === 0
  ? `no stall of ${num(STALL_MS)} ms or more`
  : `${num(e.stalls.length)} stalls ≥ ${num(STALL_MS)} ms (at s: ms) ${e.stalls.map((s) => `${Math.round(s.atSec)}: ${num(s.ms)}`).join(', ')}`;

/** The result as text lines, in the style of `trenddrop bench`. */
export function formatSoakBench(r: SoakBenchResult): string[] {
  const trend = (t: MemoryTrend) => `${num(t.startMiB)} → ${num(t.endMiB)} MiB (peak ${num(t.peakMiB)}), ${t.slopeMiBPerHour >= 0 ? '+' : ''}${num(t.slopeMiBPerHour)} ± ${Number.isNaN(t.slopeCi95MiBPerHour) ? '?' : num(t.slopeCi95MiBPerHour)} MiB/h: ${t.flat ? 'flat' : 'NOT flat'}`;
  const every = Math.max(1, Math.ceil(r.samples.length / 12));
  return [
    `TrendDrop soak — ${num(r.products)} products (${num(r.preloaded)} events stored first), ${num(r.ratePerSec)} events/s for ${num(r.durationSec)} s (embedded, every role)`,
    `${label('pipeline warm-up (first batch stored)')}${r.warmupSec} s`,
    `${label('events')}${num(r.sent)} sent, ${num(r.stored)} stored; accept ack p50 / p95 ${r.acks.p50Ms} / ${r.acks.p95Ms} ms`,
    `${label('event time')}${r.eventHours} hours replayed (one every ${num(r.durationSec / r.eventHours)} s)`,
    `${label('written during the soak')}${num(r.duringSoak.scored)} scores, ${num(r.duringSoak.alerts)} breakout alerts, ${num(r.duringSoak.forecasts)} forecasts`,
    `${label('written after the restart')}${num(r.afterRestart.scored)} scores, ${num(r.afterRestart.alerts)} breakout alerts, ${num(r.afterRestart.forecasts)} forecasts`,
    `${label('reads (overview, explorer) every second')}${num(r.reads.n)} answered, ${num(r.reads.errors)} failed; p50 / p95 ${r.reads.p50Ms} / ${r.reads.p95Ms} ms`,
    `${label('main thread held (event-loop delay)')}p50 / p99 / max ${r.eventLoop.p50Ms} / ${r.eventLoop.p99Ms} / ${num(r.eventLoop.maxMs)} ms; ${stalls(r.eventLoop)}`,
    `${label('resident memory')}${trend(r.rss)}`,
    `${label('V8 heap used')}${trend(r.heap)}`,
    `${label('V8 heap live (after full GCs)')}${trend(r.heapLive)}`,
    `${label('outside the heap (Buffers)')}${trend(r.external)}`,
    `${label('ClickHouse engine (tracked)')}${trend(r.engine)}`,
    `${label('V8 heap committed')}${trend(r.heapCommitted)}`,
    ...(r.allocatorResident.peakMiB >= 0 ? [`${label('engine allocator resident (jemalloc)')}${trend(r.allocatorResident)}`] : []),
    `${label('other native (glibc heap, stacks)')}${trend(r.otherNative)}`,
    `${label('glibc mmap threshold')}${r.mallocMmapThreshold === null ? 'dynamic (not started through bin/trenddrop.sh)' : `${num(Number(r.mallocMmapThreshold))} bytes`}`,
    `${label('at the end (MiB)')}${lastSplit(r.samples.at(-1)!)}`,
    `${label('RSS over time (s: MiB)')}${r.samples.filter((_, i) => i % every === 0 || i === r.samples.length - 1).map((s) => `${Math.round(s.t)}: ${num(s.rssMiB)}`).join(', ')}`,
    '',
  ];
}
