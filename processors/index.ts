// The processors role: raw sink, metadata upserts, trend scoring, breakout alerts (their outcomes
// and webhook) and forecasts, on whichever bus and stores the runtime holds. Stop order matters: consumers first, then the
// scorer's last round.
import type { Topics } from '../core/bus/topics.js';
import type { Runtime } from '../core/runtime.js';
import { settledBefore } from '../analytics/event-time.js';
import { AlertOutcomes } from './alert-outcomes.js';
import { AlertWebhook } from './alert-webhook.js';
import { Breakouts } from './breakouts.js';
import { EventDedup } from './dedup.js';
import { Forecaster } from './forecaster.js';
import { METADATA_GROUP, MetadataProcessor } from './metadata.js';
import { RawSink, SINK_GROUP } from './raw-sink.js';
import { RollupRepair } from './rollup-repair.js';
import { Scorer } from './scorer.js';

/** Every (consumer group, topic) the processors read: what draining waits for and health watches. */
export const consumerGroups = (t: Topics): [string, string][] => [[SINK_GROUP, t.engagement], [METADATA_GROUP, t.products], [METADATA_GROUP, t.videos]];

export interface Processors { sink: RawSink; metadata: MetadataProcessor; scorer: Scorer; breakouts: Breakouts; outcomes: AlertOutcomes; webhook: AlertWebhook | null; forecaster: Forecaster; stop(): Promise<void> }

export async function startProcessors(rt: Runtime): Promise<Processors> {
  const ch = rt.clickhouse.client;
  // The sink and what it calls on its write path use the store's writer connection; the scorer,
  // what it calls each round, and the forecaster use the rounds connection.
  const writer = rt.clickhouse.writer, rounds = rt.clickhouse.rounds;
  const common = { bus: rt.bus, topics: rt.topics, clock: rt.clock, logger: rt.logger, metrics: rt.metrics };
  const dedup = new EventDedup({ ch: writer, logger: rt.logger });
  await dedup.load();
  const webhook = rt.config.alertWebhook ? new AlertWebhook({ db: rt.postgres.db, clock: rt.clock, logger: rt.logger, config: rt.config.alertWebhook }) : null;
  // With a webhook, each new alert is queued for it in the alert's own transaction.
  const breakouts = new Breakouts({ ...common, ch: rounds, db: rt.postgres.db, outbox: webhook !== null });
  const repair = new RollupRepair({ ch: writer, logger: rt.logger, metrics: rt.metrics });
  // The scorer follows the sink's event-time watermark and re-scores what each write changed.
  let sink: RawSink | null = null;
  const watermark = () => sink?.watermarkMs ?? 0;
  const outcomes = new AlertOutcomes({ ch: rounds, db: rt.postgres.db, logger: rt.logger, settled: () => settledBefore(watermark(), rt.config.allowedLatenessMs) });
  const scorer = new Scorer({
    ...common, ch: rounds, weights: rt.config.scoreWeights, intervalMs: rt.config.scoreIntervalMs, allowedLatenessMs: rt.config.allowedLatenessMs, watermark,
    // Breakouts see each scored bucket; then alerts whose horizon event time has passed are judged.
    onScored: async (s) => { await breakouts.observe(s); await outcomes.evaluate(); },
    // Late events behind buckets already judged: those outcomes are judged again.
    onRescore: (changedFrom) => outcomes.reopen(changedFrom),
  });
  sink = new RawSink({ ...common, ch: writer, dedup, repair, allowedLatenessMs: rt.config.allowedLatenessMs, onWritten: (earliest) => scorer.touch(earliest) });
  const metadata = new MetadataProcessor({ ...common, ch, db: rt.postgres.db });
  const forecaster = new Forecaster({ ch: rounds, clock: rt.clock, logger: rt.logger, allowedLatenessMs: rt.config.allowedLatenessMs, neural: true, updates: { bus: rt.bus, topics: rt.topics } });
  await metadata.start();
  await sink.start();
  scorer.start();
  forecaster.start();
  const health = rt.consumers.watch(rt.bus, { groups: consumerGroups(rt.topics), stallMs: rt.config.consumerStallMs });
  webhook?.start();
  return {
    sink, metadata, scorer, breakouts, outcomes, webhook, forecaster,
    async stop() {
      await health.stop();
      await Promise.all([sink.stop(), metadata.stop()]);
      await Promise.all([scorer.stop(), forecaster.stop(), webhook?.stop()]);
    },
  };
}
