// The composition root: starts the requested roles on one runtime. The HTTP server listens
// first, so `health` answers and `ready` tells the truth while the stores start.
import type { Config, Role } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { createMetrics } from '../core/metrics.js';
import { Readiness } from '../core/readiness.js';
import { openStores, type EarlyRuntime, type Runtime } from '../core/runtime.js';
import { systemClock, type Clock } from '../core/clock.js';
import { sleep } from '../core/retry.js';
import type { Ingestor } from '../ingest/accept.js';
import type { PublishEvents } from '../ingest/simulate.js';
import type { Processors, SinkStage } from '../processors/index.js';
import type { AgentStatus, ApiContext } from '../api/context.js';
import type { QueryCacheOptions } from '../api/cache.js';
import type { Live } from '../api/live.js';
import type { ProductIndex } from '../api/product-index.js';
import type { buildServer } from '../api/server.js';
import type { Gateway } from '../api/ws/gateway.js';
import type { DiscoveryAgent } from '../ingest/agent/index.js';
import type { AgentUpdate } from '../schemas/updates.js';
import { join } from 'node:path';
import { boundHeapGrowth } from './heap-growth.js';
import { TABLES } from '../schemas/clickhouse/tables.js';

export interface App {
  runtime: Runtime;
  server: Awaited<ReturnType<typeof buildServer>>;
  /** Port the server listens on (useful when PORT=0). */
  port: number;
  processors: Processors | null;
  ingestor: Ingestor;
  gateway: Gateway | null;
  /** Resolves once the processors have consumed everything published so far. */
  drain(): Promise<void>;
  /** Stops producers, then readers, then stores: everything accepted is written before it resolves. */
  stop(): Promise<void>;
  /**
   * Cuts short what a stop waits on: running ClickHouse queries are cancelled and open HTTP
   * connections closed. Nothing accepted is lost: events are in the bus log before their 202,
   * and what was not written yet is delivered again at the next start.
   */
  cancelInFlight(): Promise<void>;
}

export interface StartOptions {
  roles: Role[];
  logger: Logger;
  clock?: Clock;
  /** Run the discovery agent with the ingest role (default true; one-off CLI imports do not). */
  agent?: boolean;
  /** Connection attempts per store at start (see OpenOptions.attempts). */
  attempts?: number;
  /** The API's response cache (api/cache.ts): the API bench turns its warm keys off. */
  cache?: QueryCacheOptions;
}

/**
 * Simulated history written on a first start, so charts and scores have a past from the first
 * minute: eight days (a score needs a week of data; breakout detection needs a baseline of past
 * momentum). The scorer scores it bucket by bucket along event time as it is written.
 */
const FIRST_START_HISTORY_MS = 8 * 86_400_000;
const FIRST_START_STEP_MS = 15 * 60_000;
/** Backfilled events at most waiting for the sink at a time (a chunk is about 5,000). */
const FIRST_START_AHEAD = 10_000;
/** Longest Postgres and the history wait for the first live tick to be stored (a tick that is never stored must not stall them). */
const FIRST_LIVE_WAIT_MS = 5000;
/** How often a first start checks whether the sink has stored all of the history. */
const HISTORY_STORED_POLL_MS = 500;
/** Logged with the events count once the first start's history is published: the benches wait for it. */
export const BACKFILL_PUBLISHED = 'first-start backfill published';

/** The discovery agent over the configured sources; what it finds goes onto the bus. */
async function startAgent(config: Config, runtime: Runtime, ingestor: Ingestor, logger: Logger, clock: Clock): Promise<DiscoveryAgent> {
  const [{ agentConfigPath, createAgent, JsonFileStateStore, loadAgentConfig }, { PgRunStore }, { MarketSimulator }] = await Promise.all([
    import('../ingest/agent/index.js'), import('../ingest/agent/pg-run-store.js'), import('../ingest/simulator.js'),
  ]);
  let sim: InstanceType<typeof MarketSimulator> | undefined; // built on the first run of a configured simulator source
  const agentConfig = await loadAgentConfig(agentConfigPath(config.dataDir, config.agentConfigFile ?? undefined));
  const agent = createAgent(agentConfig, {
    sink: { products: (p) => ingestor.publishProducts(p), events: (e) => ingestor.publishEvents(e), videos: (v) => ingestor.publishVideos(v) },
    state: new JsonFileStateStore(join(config.dataDir, 'agent-state.json')),
    runs: new PgRunStore(runtime.postgres.db),
    logger, clock,
    // A `simulator` source in the config runs one simulated second per scheduled run.
    simulator: (now) => {
      sim ??= new MarketSimulator({ seed: config.simulatorSeed, ratePerSec: config.simulatorRate });
      return { products: sim.catalogue(), videos: sim.videos(), events: sim.tick(Math.floor(now / 1000) * 1000) };
    },
  });
  // Run and status changes reach every API process (and its `agent` channel) through the bus.
  agent.subscribe((n) => {
    const update: AgentUpdate = n.type === 'run' ? { kind: 'agent', status: n.run.status, run: { ...n.run } } : { kind: 'agent', status: n.status.paused ? 'paused' : 'running', run: null };
    runtime.bus.publish(runtime.topics.updates, [{ key: 'agent', value: update }]).catch((err) => logger.warn({ err }, 'agent update not published'));
  });
  agent.start();
  logger.info({ sources: agentConfig.sources.map((s) => s.name) }, 'discovery agent started');
  return agent;
}

export async function startApp(config: Config, o: StartOptions): Promise<App> {
  const { logger } = o;
  boundHeapGrowth();
  const clock = o.clock ?? systemClock;
  const readiness = new Readiness();
  const metrics = createMetrics();
  const has = (r: Role) => o.roles.includes(r);
  // The stores start opening before the rest of the code loads: chdb loads and migrates on its
  // own threads meanwhile. Postgres opens once the live path runs (below).
  const stores = openStores(config, { logger, readiness, metrics, clock, attempts: o.attempts });
  stores.early.catch(() => undefined); // thrown where it is awaited, once the server is up
  // What a first live update needs loads first; the rest (agent, forecaster's models, the other
  // routes' work) loads as it is used.
  const modules = Promise.all([
    import('../api/cache.js'), import('../api/server.js'), import('../api/ws/gateway.js'), import('../api/live.js'), import('../api/product-index.js'),
    import('../api/queries/get-overview-kpis.js'), import('../ingest/accept.js'), import('../ingest/simulator.js'), import('../ingest/simulate.js'),
    import('../processors/index.js'), import('../processors/raw-sink.js'), import('../api/routes/overview.js'),
  ]);
  // A start that fails before the server listens (a port in use) closes the stores it began opening.
  const orAbandon = <T>(p: Promise<T>): Promise<T> => p.catch(async (err) => { await stores.abandon(); throw err; });
  const [{ QueryCache }, { buildServer }, { Gateway }, { startLive }, { startProductIndex }, { getOverviewKpis }, { Ingestor }, { MarketSimulator }, simulate, processorsModule, { SINK_GROUP }, { keepLandingOverviewWarm }] = await orAbandon(modules);
  const cache = new QueryCache({ onRefreshError: (key, err) => logger.warn({ err, key }, 'background refresh of a cached answer failed'), ...o.cache });
  const ctx: ApiContext = { config, logger, metrics, readiness, cache, services: null };
  let live: Live | null = null;
  // Snapshots asked for while the stores start are answered once they are up.
  let liveStarted!: (l: Live) => void;
  const liveReady = new Promise<Live>((r) => { liveStarted = r; });
  let gateway: Gateway | null = null;

  // Every role listens: health, ready and metrics are how an orchestrator watches it.
  if (has('api')) gateway = new Gateway({ logger, metrics, snapshot: async (ch) => (await liveReady).snapshot(ch) });
  const server = await orAbandon(buildServer(ctx, { ingest: has('ingest'), api: gateway }));
  await orAbandon(server.listen({ port: config.port, host: config.host }));
  const addr = server.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  logger.info({ url: `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}` }, 'TrendDrop is listening');

  let early: EarlyRuntime;
  try {
    early = await stores.early;
  } catch (err) {
    await server.close();
    throw err;
  }
  // The live path first, on ClickHouse and the bus alone: the raw sink, live updates, the
  // simulator's ticks. Everything that reads Postgres starts once it is open too.
  const sinkStage: SinkStage | null = has('processors') ? await processorsModule.startSink(early) : null;
  const ingestor = new Ingestor(early.bus, early.topics, metrics);
  const drain = async () => {
    const groups = processorsModule.consumerGroups(early.topics);
    for (;;) {
      const lags = await Promise.all(groups.map(([g, t]) => early.bus.lag(g, t)));
      if (lags.every((l) => l === 0)) return;
      await sleep(50);
    }
  };

  // Every service, once Postgres is open too (live snapshots of the other channels wait for it).
  let servicesUp!: (s: NonNullable<ApiContext['services']>) => void;
  const services = new Promise<NonNullable<ApiContext['services']>>((r) => { servicesUp = r; });
  // Each product's latest metadata and score in memory once loaded; until then the explorer and overview read SQL.
  let index: ProductIndex | null = null;
  let productIndex: Promise<ProductIndex | null> = Promise.resolve(null);
  if (gateway) {
    productIndex = startProductIndex({ ch: early.clickhouse.client, bus: early.bus, topics: early.topics, logger, onChange: () => cache.bump() })
      .then((i) => { index = i; if (ctx.services) ctx.services.productIndex = i; return i; })
      .catch((err) => { logger.error({ err }, 'product index failed to load; the explorer and overview stay on SQL'); return null; });
    const overviewKpis = () => getOverviewKpis({ ch: early.clickhouse.client, productIndex: index }, clock.now());
    live = await startLive({ bus: early.bus, topics: early.topics, gateway, cache, logger, overviewKpis, services, allowedLatenessMs: config.allowedLatenessMs });
    liveStarted(live);
  }

  // The simulator streams live ticks (a source that never ends); the agent runs the other
  // sources on their schedules. Both show on the agent panel.
  let simulator: { stop(): Promise<void> } | null = null;
  let backfilling: Promise<unknown> = Promise.resolve();
  let startHistory: (() => void) | null = null;
  let firstLiveStored: (() => Promise<void>) | null = null;
  const stopBackfill = new AbortController();
  // The simulator's first-start history while it is written and stored: the overview says so,
  // so that its still-empty past reads as loading rather than as a quiet market.
  let history: AgentStatus['history'] = null;
  // The stream is one long run as the agent panel lists runs: since start, what it produced.
  const simRun = { id: 'simulator-stream', source: 'simulator', trigger: 'stream', status: 'running', startedAt: new Date(clock.now()).toISOString(), endedAt: null, itemsFound: 0, newProducts: 0, errors: 0, errorDetails: [] };
  // The newest event time published: the first-start history is published beside the live ticks,
  // so the last batch published can be days older than the live stream. Within a batch (one tick,
  // or history steps in time order) the last event is the newest, so one parse a batch does.
  let lastSimEventMs = -Infinity;
  // The simulator starts once live updates reach the gateway, so its first tick shows.
  if (has('ingest') && config.simulator) {
    const sim = new MarketSimulator({ seed: config.simulatorSeed, ratePerSec: config.simulatorRate });
    await simulate.publishCatalogue(sim, ingestor);
    simRun.newProducts = sim.products.length;
    const rs = await early.clickhouse.client.query({ query: `SELECT count() AS n FROM ${TABLES.events}`, format: 'JSONEachRow' });
    const empty = Number((await rs.json<{ n: number }>())[0].n) === 0;
    const liveFrom = Math.floor(clock.now() / 1000) * 1000;
    const publish: PublishEvents = async (events) => {
      await ingestor.publishEvents(events);
      simRun.itemsFound += events.length;
      if (events.length) lastSimEventMs = Math.max(lastSimEventMs, Date.parse(events[events.length - 1].ts));
    };
    let liveTicks = 0;
    simulator = simulate.runLive(sim, async (events) => { await publish(events); liveTicks++; }, clock, logger);
    const behindLive = simulate.historyBehindLive({
      lag: () => early.bus.lag(SINK_GROUP, early.topics.engagement), livePublished: () => liveTicks > 0,
      ahead: FIRST_START_AHEAD, maxWaitMs: FIRST_LIVE_WAIT_MS, signal: stopBackfill.signal,
    });
    firstLiveStored = behindLive;
    // The history waits for Postgres: published while PGlite opens, it and the sink's writes of
    // it would hold up PGlite (same thread), and `health` with it, for minutes under load.
    if (empty) startHistory = () => {
      const began = Date.now();
      const from = liveFrom - FIRST_START_HISTORY_MS;
      const iso = (ms: number) => new Date(ms).toISOString();
      history = { from: iso(from), to: iso(liveFrom), publishedUntil: iso(from) };
      const onProgress = (done: number) => { if (history) history.publishedUntil = iso(from + done * (liveFrom - from)); };
      backfilling = simulate.backfill(sim, publish, from, liveFrom, { signal: stopBackfill.signal, stepMs: FIRST_START_STEP_MS, beforeChunk: behindLive, onProgress })
        .then(async (events) => {
          if (stopBackfill.signal.aborted) return;
          logger.info({ events, ms: Date.now() - began }, BACKFILL_PUBLISHED);
          while (!stopBackfill.signal.aborted && (await early.bus.lag(SINK_GROUP, early.topics.engagement)) > 0) await sleep(HISTORY_STORED_POLL_MS);
        })
        .catch((err) => logger.error({ err }, 'first-start backfill failed'))
        .finally(() => { history = null; });
    };
  }

  // Postgres opens once the simulator's first live tick is stored (at most FIRST_LIVE_WAIT_MS):
  // PGlite opens on this thread in long stretches of WebAssembly and file writes, and the first
  // live update waited behind them.
  await firstLiveStored?.();
  let runtime: Runtime;
  try {
    runtime = await stores.complete();
  } catch (err) {
    // The stores are closed already: stop what ran on them, then the server.
    stopBackfill.abort();
    await Promise.allSettled([simulator?.stop(), backfilling, live?.stop(), (async () => (await productIndex)?.stop())(), sinkStage?.stop()]);
    await server.close();
    throw err;
  }
  startHistory?.();
  const processors: Processors | null = sinkStage ? await sinkStage.rest(runtime) : null;
  const agent = has('ingest') && o.agent !== false ? await startAgent(config, runtime, ingestor, logger, clock) : null;
  const { PgRunStore } = await import('../ingest/agent/pg-run-store.js');
  const runStore = new PgRunStore(runtime.postgres.db);

  const agentStatus = async (): Promise<AgentStatus> => {
    const st = agent?.status();
    const runs = await runStore.recent({ limit: 10 });
    const sources: AgentStatus['sources'] = (st?.sources ?? []).map((x) => ({ name: x.name, kind: 'scheduled', paused: x.paused, running: x.running, everyMs: x.everyMs, nextRunAt: x.nextRunAt }));
    if (simulator) sources.unshift({ name: 'simulator', kind: 'stream', paused: false, running: true, everyMs: 1000, nextRunAt: null });
    const status: AgentStatus['status'] = sources.length === 0 ? 'off' : st?.paused && !simulator ? 'paused' : sources.some((x) => x.running) ? 'running' : 'idle';
    return {
      status, sources, lastEventAt: Number.isFinite(lastSimEventMs) ? new Date(lastSimEventMs).toISOString() : null, history: history && { ...history },
      runs: [...(simulator ? [simRun] : []), ...runs.map((r) => ({ id: r.id, source: r.source, trigger: r.trigger, status: r.status, startedAt: r.startedAt, endedAt: r.endedAt, itemsFound: r.itemsFound, newProducts: r.newProducts, errors: r.errors.length, errorDetails: r.errors }))],
    };
  };

  ctx.services = { ch: runtime.clickhouse.client, db: runtime.postgres.db, bus: runtime.bus, topics: runtime.topics, ingestor, clock, agentStatus, agent, productIndex: index };
  servicesUp(ctx.services);
  if (gateway) keepLandingOverviewWarm(ctx);
  logger.info({ roles: o.roles }, 'TrendDrop started');

  let stopping: Promise<void> | null = null;
  return {
    runtime, server, port, processors, ingestor, gateway,
    drain,
    async cancelInFlight() {
      logger.warn('cancelling in-flight work to stop in time');
      await runtime.clickhouse.cancelQueries().catch((err) => logger.warn({ err }, 'could not cancel ClickHouse queries'));
      // Requests whose queries were cancelled get their 503 first; whatever still hangs is cut.
      setTimeout(() => server.server.closeAllConnections(), 500).unref();
    },
    stop() {
      // Producers first, then readers, then stores: everything accepted is written before exit.
      stopping ??= (async () => {
        stopBackfill.abort();
        await agent?.stop();
        await simulator?.stop();
        await backfilling;
        await gateway?.close();
        await server.close();
        await cache.stop();
        await live?.stop();
        await (await productIndex)?.stop();
        await processors?.stop();
        await runtime.close();
        logger.info('TrendDrop stopped');
      })();
      return stopping;
    },
  };
}
