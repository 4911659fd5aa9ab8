// The processors role: raw sink, metadata upserts, trend scoring, breakout alerts (their outcomes
// and webhook) and forecasts, on whichever bus and stores the runtime holds. Stop order matters: consumers first, then the
// scorer's last round.
import type { Topics } from '../core/bus/topics.js';
import type { EarlyRuntime, Runtime } from '../core/runtime.js';
import { settledBefore } from '../analytics/event-time.js';
import { AlertOutcomes } from './alert-outcomes.js';
import { AlertWebhook } from './alert-webhook.js';
import { Breakouts } from './breakouts.js';
import { EventDedup } from './dedup.js';
import { ThreadForecastEngine } from './forecast-thread.js';
import { Forecaster } from './forecaster.js';
import { METADATA_GROUP, MetadataProcessor } from './metadata.js';
import { RawSink, SINK_GROUP } from './raw-sink.js';
import { RollupRepair } from './rollup-repair.js';
import { Scorer } from './scorer.js';

/** Every (consumer group, topic) the processors read: what draining waits for and health watches. */
export const consumerGroups = (t: Topics): [string, string][] => [[SINK_GROUP, t.engagement], [METADATA_GROUP, t.products], [METADATA_GROUP, t.videos]];

export interface Processors { sink: RawSink; metadata: MetadataProcessor; scorer: Scorer; breakouts: Breakouts; outcomes: AlertOutcomes; webhook: AlertWebhook | null; forecaster: Forecaster; stop(): Promise<void> }

/** The raw sink running ahead of the other processors (startSink). */
export interface SinkStage {
  sink: RawSink;
  /** Starts the other processors on the whole runtime, once Postgres is up too. */
  rest(rt: Runtime): Promise<Processors>;
  /** Stops the sink, when the rest never started (a store failed to open). */
  stop(): Promise<void>;
}

export async function startProcessors(rt: Runtime): Promise<Processors> {
  return (await startSink(rt)).rest(rt);
}

/**
 * Starts the raw sink alone: it needs ClickHouse and the bus, not Postgres, so events are stored
 * and live updates flow while Postgres opens. The scorer exists from here, so it hears of every
 * write, but it scores only once `rest` starts it with the processors that read Postgres.
 */
export async function startSink(rt: EarlyRuntime): Promise<SinkStage> {
  // The sink and what it calls on its write path use the store's writer connection; the scorer,
  // what it calls each round, and the forecaster use the rounds connection.
  const writer = rt.clickhouse.writer, rounds = rt.clickhouse.rounds;
  const common = { bus: rt.bus, topics: rt.topics, clock: rt.clock, logger: rt.logger, metrics: rt.metrics };
  const dedup = new EventDedup({ ch: writer, logger: rt.logger });
  await dedup.load();
  const repair = new RollupRepair({ ch: writer, logger: rt.logger, metrics: rt.metrics });
  // Set by `rest`, before the scorer's first round: only its rounds call them.
  let breakouts: Breakouts | null = null, outcomes: AlertOutcomes | null = null;
  // The scorer follows the sink's event-time watermark and re-scores what each write changed.
  let sink: RawSink | null = null;
  const watermark = () => sink?.watermarkMs ?? 0;
  const scorer = new Scorer({
    ...common, ch: rounds, weights: rt.config.scoreWeights, intervalMs: rt.config.scoreIntervalMs, allowedLatenessMs: rt.config.allowedLatenessMs, watermark,
    // Breakouts see each scored bucket; then alerts whose horizon event time has passed are judged.
    onScored: async (s) => { await breakouts!.observe(s); await outcomes!.evaluate(); },
    // Late events behind buckets already judged: those outcomes are judged again.
    onRescore: (changedFrom) => outcomes!.reopen(changedFrom),
  });
  const started = new RawSink({ ...common, ch: writer, dedup, repair, allowedLatenessMs: rt.config.allowedLatenessMs, onWritten: (earliest) => scorer.touch(earliest) });
  sink = started;
  await started.start();
  return {
    sink: started,
    stop: () => started.stop(),
    async rest(full: Runtime): Promise<Processors> {
      const webhook = full.config.alertWebhook ? new AlertWebhook({ db: full.postgres.db, clock: full.clock, logger: full.logger, config: full.config.alertWebhook }) : null;
      // With a webhook, each new alert is queued for it in the alert's own transaction.
      const b = breakouts = new Breakouts({ ...common, ch: rounds, db: full.postgres.db, outbox: webhook !== null });
      const o = outcomes = new AlertOutcomes({ ch: rounds, db: full.postgres.db, logger: full.logger, settled: () => settledBefore(watermark(), full.config.allowedLatenessMs) });
      const metadata = new MetadataProcessor({ ...common, ch: full.clickhouse.client, db: full.postgres.db });
      const forecaster = new Forecaster({ ch: rounds, clock: full.clock, logger: full.logger, allowedLatenessMs: full.config.allowedLatenessMs, neural: true, updates: { bus: full.bus, topics: full.topics }, engine: new ThreadForecastEngine(full.logger) });
      await metadata.start();
      scorer.start();
      forecaster.start();
      const health = full.consumers.watch(full.bus, { groups: consumerGroups(full.topics), stallMs: full.config.consumerStallMs });
      webhook?.start();
      return {
        sink: started, metadata, scorer, breakouts: b, outcomes: o, webhook, forecaster,
        async stop() {
          await health.stop();
          await Promise.all([started.stop(), metadata.stop()]);
          await Promise.all([scorer.stop(), forecaster.stop(), webhook?.stop()]);
        },
      };
    },
  };
}
