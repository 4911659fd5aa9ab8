// Connections every role needs (bus, ClickHouse, Postgres), opened with retries and migrated,
// with a readiness record that the `ready` endpoint reports as it is.
import { join } from 'node:path';
import type { Bus } from './bus/types.js';
import { topics as topicNames, type Topics } from './bus/topics.js';
import { writeEventJson } from './bus/event-log.js';
import { LocalBus } from './bus/local.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { ConsumerHealth } from './consumer-health.js';
import { createMetrics, type Metrics } from './metrics.js';
import { Readiness, watchReadiness } from './readiness.js';
import { retry } from './retry.js';
import { applyRawRetention, migrateClickHouse, openClickHouse, type ClickHouseStore } from './stores/clickhouse.js';
import type { PostgresStore } from './stores/postgres.js';

export interface Runtime {
  config: Config;
  logger: Logger;
  clock: Clock;
  metrics: Metrics;
  topics: Topics;
  bus: Bus;
  clickhouse: ClickHouseStore;
  postgres: PostgresStore;
  readiness: Readiness;
  /** Consumer retries, dead letters and stalls, for `ready` and /metrics. */
  consumers: ConsumerHealth;
  close(): Promise<void>;
}

export interface OpenOptions {
  logger: Logger;
  clock?: Clock;
  readiness?: Readiness;
  metrics?: Metrics;
  /** Apply migrations (on by default; `trenddrop migrate` runs them alone). */
  migrate?: boolean;
  /**
   * Connection attempts per store before giving up (default 8, about half a minute). Servers
   * pass Infinity: they wait for their dependencies, saying so in `ready` and the logs.
   */
  attempts?: number;
  /** How often the dependencies are probed for `ready` once open (default 5 s). */
  probeMs?: number;
}

async function openBus(config: Config, logger: Logger, topics: Topics, observer: ConsumerHealth): Promise<Bus> {
  if (config.kafkaBrokers.length === 0) {
    return new LocalBus({ dir: join(config.dataDir, 'bus'), partitions: config.partitions, logger, ephemeralTopics: [topics.updates], maxAttempts: config.deliveryAttempts, observer, logWriters: { [topics.engagement]: writeEventJson } });
  }
  const { KafkaBus } = await import('./bus/kafka.js');
  const bus = new KafkaBus({ brokers: config.kafkaBrokers, clientId: 'trenddrop', partitions: config.partitions, logger, uncompressedTopics: [topics.updates], sessionTimeoutMs: config.kafkaSessionTimeoutMs, maxAttempts: config.deliveryAttempts, observer });
  return prefixGroups(bus, config.topicPrefix);
}

/**
 * Consumer groups get the topic prefix too. Group ids are broker-wide, and kafkajs's assigner
 * deals every topic any member subscribed to among all members (a member silently drops what it
 * did not subscribe to), so two deployments (or test runs) with different prefixes on one broker
 * must never share a group, or each stalls part of the other's partitions.
 */
function prefixGroups(bus: Bus, prefix: string): Bus {
  return {
    kind: bus.kind,
    ensureTopics: (t) => bus.ensureTopics(t),
    publish: (t, m) => bus.publish(t, m),
    subscribe: (o) => bus.subscribe({ ...o, groupId: `${prefix}${o.groupId}` }),
    lag: (groupId, topic) => bus.lag(`${prefix}${groupId}`, topic),
    offsets: (groupId, topic) => bus.offsets(`${prefix}${groupId}`, topic),
    ping: () => bus.ping(),
    close: () => bus.close(),
  };
}

/** ClickHouse and the bus, open and migrated: all that ingest, the raw sink and live updates need. */
export type EarlyRuntime = Omit<Runtime, 'postgres' | 'close'>;

/** The stores opening in two stages (see openStores). */
export interface OpeningRuntime {
  /** Resolves once ClickHouse and the bus are up; Postgres may still be opening. */
  early: Promise<EarlyRuntime>;
  /** Opens Postgres (on the first call) and resolves with the whole runtime once every store is up. */
  complete(): Promise<Runtime>;
  /** Gives up before complete(): closes the early stores once they have settled (a start failing meanwhile). */
  abandon(): Promise<void>;
}

export async function openRuntime(config: Config, o: OpenOptions): Promise<Runtime> {
  // Postgres opens at once, side by side with ClickHouse: chdb takes seconds to load, PGlite too.
  return openStores(config, o).complete();
}

/**
 * Opens ClickHouse and the bus at once, and Postgres when `complete()` is first called (or as
 * soon as the bus fails an attempt: the live path waits for it anyway). A first
 * start runs live ingest and WebSocket updates on the early stores while PGlite opens: PGlite
 * runs on this thread (seconds of WebAssembly), and nothing on the live path reads Postgres.
 * If any store fails, every store opened is closed and both promises reject.
 */
export function openStores(config: Config, o: OpenOptions): OpeningRuntime {
  const { logger } = o;
  const readiness = o.readiness ?? new Readiness();
  const metrics = o.metrics ?? createMetrics();
  const consumers = new ConsumerHealth({ report: (state, detail) => readiness.set('consumers', state, detail), metrics, logger });
  const topics = topicNames(config.topicPrefix);
  for (const c of ['bus', 'clickhouse', 'postgres']) readiness.set(c, 'starting');
  const opened: { close(): Promise<void> }[] = [];
  const closeOpened = () => Promise.allSettled(opened.splice(0).map((c) => c.close()));
  const step = async <T>(name: string, fn: () => Promise<T>, onRetry?: () => void): Promise<T> => {
    const began = Date.now();
    try {
      // While it retries, `ready` shows why it is not up yet, not just "starting".
      const v = await retry(fn, {
        what: name, logger, attempts: o.attempts ?? 8, baseMs: 250, maxMs: 8000,
        onRetry: (err, attempt, delayMs) => { readiness.set(name, 'starting', `attempt ${attempt} failed, retrying in ${delayMs} ms: ${(err as Error).message}`); onRetry?.(); },
      });
      readiness.set(name, 'up');
      // A first start's stages show in the log with their cost (bench/first-start.ts lists them).
      logger.info({ store: name, ms: Date.now() - began }, `${name} open`);
      return v;
    } catch (err) {
      readiness.set(name, 'down', (err as Error).message);
      await closeOpened();
      throw err;
    }
  };
  const migrate = o.migrate ?? true;
  let postgresOpening: Promise<PostgresStore> | null = null;
  const openPostgresStore = () => (postgresOpening ??= step('postgres', async () => {
    // Loaded here: drizzle's schema is half a second of code loading that the early stores do without.
    const { openPostgres } = await import('./stores/postgres.js');
    const s = await openPostgres(config, logger);
    try { if (migrate) await s.migrate(); } catch (err) { await s.close(); throw err; }
    opened.push(s);
    return s;
  }));
  // A bus that is not there yet holds up the live path, not Postgres, which then opens at once
  // (its failure is thrown by complete()).
  const openPostgresEarly = () => { openPostgresStore().catch(() => undefined); };
  const early = (async (): Promise<EarlyRuntime> => {
    const clickhouse = await step('clickhouse', async () => {
      const s = await openClickHouse(config);
      try {
        await s.client.query({ query: 'SELECT 1' });
        if (migrate) {
          await migrateClickHouse(s.client, logger);
          await applyRawRetention(s.client, config.rawRetentionDays, logger);
        }
      } catch (err) { await s.close(); throw err; }
      opened.push(s);
      return s;
    });
    const bus = await step('bus', async () => {
      const b = await openBus(config, logger, topics, consumers);
      try { await b.ensureTopics(Object.values(topics)); } catch (err) { await b.close().catch(() => {}); throw err; }
      opened.push(b);
      return b;
    }, openPostgresEarly);
    return { config, logger, clock: o.clock ?? systemClock, metrics, topics, bus, clickhouse, readiness, consumers };
  })();
  let completing: Promise<Runtime> | null = null;
  const complete = async (): Promise<Runtime> => {
    const postgres = openPostgresStore();
    // Both settle before either failure is thrown, so a store still opening when the other
    // failed is closed too, not left behind.
    const [e, p] = await Promise.allSettled([early, postgres]);
    if (e.status === 'rejected' || p.status === 'rejected') {
      await closeOpened();
      throw e.status === 'rejected' ? e.reason : (p as PromiseRejectedResult).reason;
    }
    const rt = e.value, pg = p.value;
    logger.info({ bus: rt.bus.kind, clickhouse: rt.clickhouse.kind, postgres: pg.kind, dataDir: config.dataDir }, 'stores ready');
    // Only what runs elsewhere can go away: the in-process bus, chdb and PGlite live and die with
    // this process, and a busy chdb (one long insert at a time) is not a missing one.
    const probes: Record<string, () => Promise<unknown>> = {};
    if (rt.bus.kind === 'kafka') probes.bus = () => rt.bus.ping();
    if (rt.clickhouse.kind === 'server') probes.clickhouse = () => rt.clickhouse.client.query({ query: 'SELECT 1' }).then((r) => r.text());
    if (pg.kind === 'server') probes.postgres = () => pg.ping();
    const watch = watchReadiness({ readiness, logger, intervalMs: o.probeMs, probes });
    return {
      ...rt, postgres: pg,
      async close() {
        await watch.stop();
        await rt.bus.close();
        await rt.clickhouse.close();
        await pg.close();
      },
    };
  };
  return {
    early,
    complete: () => (completing ??= complete()),
    async abandon() {
      await early.catch(() => undefined);
      await closeOpened();
    },
  };
}
