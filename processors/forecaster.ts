// Forecast refresh: per product and metric, the series at the product's native step (hourly live
// engagement; daily, weekly or monthly imports), cut before its still-filling bucket, goes
// through the forecasting engine (seasonal naive, ETS, STL-ETS, Theta, their combination,
// harmonic regression for daily series and, for hourly series, the global TF.js MLP, chosen by
// rolling-origin backtest MASE, intervals calibrated from backtest errors), and the forecast
// with its backtest is written to ClickHouse on a schedule for products active in the last day;
// one product can be forecast on demand without a write.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Bus } from '../core/bus/types.js';
import type { Topics } from '../core/bus/topics.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Metric } from '../schemas/events.js';
import { settledBefore } from '../analytics/event-time.js';
import { addSteps, bucketStart, regularSeries, seasonsOf, splitHistory, STEPS, type Step } from '../analytics/granularity.js';
import { backtestOrigins } from '../analytics/forecast/backtest.js';
import { TABLES } from '../schemas/clickhouse/tables.js';
import type { LifecycleUpdate } from '../schemas/updates.js';
import { FORECAST, FORECAST_STEPS, LocalForecastEngine, type ForecastEngine, type ProductSeries, type StoredForecast } from './forecast-engine.js';
import { float, forecastHeadRows } from './forecast-heads.js';
import { loadNativeSteps, type NativeStep } from './native-step.js';
import { readWatermark } from './watermark.js';

const HOUR_MS = 3_600_000;

/** The metrics the scheduled rounds forecast and store (any metric can be forecast on demand). */
export const FORECAST_METRICS = ['views', 'orders'] as const satisfies readonly Metric[];

export interface ForecasterDeps {
  ch: ClickHouseClient;
  clock: Clock;
  logger: Logger;
  /** Buckets are complete once their end is behind watermark − allowed lateness (analytics/event-time.ts). */
  allowedLatenessMs: number;
  /** Train and use the global MLP. The API's on-demand path leaves it out: training takes seconds. */
  neural?: boolean;
  /** Metrics refreshed on the schedule; any metric can be refreshed on demand. */
  metrics?: readonly Metric[];
  intervalMs?: number;
  retrainMs?: number;
  /** Products per series query and per insert. */
  chunk?: number;
  /** Products sampled to train the MLP. */
  trainProducts?: number;
  /** Where stored lifecycle stages are announced (the API's product index re-reads them); left out where no API listens. */
  updates?: { bus: Bus; topics: Topics };
  /** Where forecasts are computed (`forecast-thread.ts` for a thread of their own); on this thread when left out. The forecaster closes it. */
  engine?: ForecastEngine;
}

export interface RoundStats {
  products: number;
  refreshed: number;
  /** Already forecast from where a forecast made now would start, with the same models. */
  skipped: number;
  /** Too little history to backtest. */
  tooShort: number;
  /** Refreshed from the product's previous fits and seasons (`FORECAST.coldEvery`), not from scratch. */
  warmStarted: number;
  /** Mean time of backtest + model choice + forecast per refreshed product (queries and inserts excluded). */
  msPerProduct: number;
}

// Values per product and hourly bucket over [from, to); metric is a column name from the Metric whitelist.
const seriesSql = (metric: Metric) => `
SELECT productId, toUnixTimestamp(bucket) AS t, sum(${metric}) AS v
FROM ${TABLES.engagement1h}
WHERE productId IN {ids:Array(String)} AND bucket >= toDateTime({from:UInt32}) AND bucket < toDateTime({to:UInt32})
GROUP BY productId, t ORDER BY productId, t`;

// The most viewed first: at 100k products a round on this machine's two cores outlasts the hour
// between refreshes, so the products most looked at are refreshed first and the tail as the round
// reaches it (each later read of a product never forecast computes one on the spot).
const ACTIVE_SQL = `
SELECT productId FROM ${TABLES.engagement1h} WHERE bucket >= toDateTime({since:UInt32})
GROUP BY productId ORDER BY sum(views) DESC, productId`;

// A deterministic pseudo-random sample of active products to train the MLP on.
const TRAIN_SAMPLE_SQL = `
SELECT productId FROM ${TABLES.engagement1h} WHERE bucket >= toDateTime({since:UInt32})
GROUP BY productId ORDER BY cityHash64(productId) LIMIT {n:UInt32}`;

// Each product's latest generation: where its forecast starts, whether it kept its base (migration
// 0013) and the models it was chosen among.
const LATEST_SQL = `
WITH latest AS (
  SELECT productId, max(generatedAt) AS g, argMax(ts, generatedAt) AS ts, NOT isNaN(argMax(base, generatedAt)) AS hasBase FROM ${TABLES.forecasts}
  WHERE productId IN {ids:Array(String)} AND metric = {metric:String} AND step = 1 GROUP BY productId
  HAVING (productId, g) IN (SELECT productId, generatedAt FROM ${TABLES.forecastHeads} WHERE productId IN {ids:Array(String)} AND metric = {metric:String}))
SELECT l.productId AS productId, toUnixTimestamp(l.ts) AS ts, l.hasBase AS hasBase, groupArray(b.model) AS models
FROM latest AS l INNER JOIN ${TABLES.forecastBacktests} AS b ON b.productId = l.productId AND b.generatedAt = l.g
WHERE b.productId IN {ids:Array(String)} AND b.metric = {metric:String}
GROUP BY l.productId, l.ts, l.hasBase`;

/**
 * Where a product's forecast starts: the first bucket that is not complete at `settled`; for a
 * daily, weekly or monthly series (an import) no later than the bucket after its last one
 * (beyond it there is no data, not zeros).
 */
export function forecastStart(info: NativeStep, settled: number): number {
  const end = bucketStart(settled, info);
  return info.step === 'hour' || info.last === null ? end : Math.min(end, addSteps(bucketStart(info.last, info), 1, info));
}

/**
 * Each product's series at its native step, zero-filled (a bucket without engagement had none),
 * ending where its forecast starts (`forecastStart`). An hourly series starts where its live
 * engagement does when an imported history came before it: imported buckets are not hours.
 */
export async function loadSeries(ch: ClickHouseClient, steps: ReadonlyMap<string, NativeStep>, metric: Metric, settled: number): Promise<Map<string, ProductSeries>> {
  const out = new Map<string, ProductSeries>();
  const byStep = new Map<Step, string[]>();
  for (const [id, info] of steps) byStep.set(info.step, [...(byStep.get(info.step) ?? []), id]);
  for (const [step, ids] of byStep) {
    const maxEnd = Math.max(...ids.map((id) => forecastStart(steps.get(id)!, settled)));
    const from = maxEnd - FORECAST_STEPS[step].history * STEPS[step].ms;
    const rs = await ch.query({ query: seriesSql(metric), query_params: { ids, from: Math.max(0, Math.floor(from / 1000)), to: Math.floor(maxEnd / 1000) }, format: 'JSONEachRow' });
    const points = new Map<string, { t: number; v: number }[]>();
    for (const r of await rs.json<{ productId: string; t: number | string; v: number | string }>()) {
      const list = points.get(r.productId) ?? [];
      list.push({ t: Number(r.t) * 1000, v: Number(r.v) });
      points.set(r.productId, list);
    }
    for (const [id, pts] of points) {
      const info = steps.get(id)!;
      const end = forecastStart(info, settled);
      // The imported part may lie beyond the latest buckets the step was read from: looked for here too.
      const liveFrom = step === 'hour' ? info.liveFrom ?? splitHistory(pts.map((p) => p.t))?.liveFrom ?? -Infinity : -Infinity;
      const kept = pts.filter((p) => p.t < end && p.t >= liveFrom);
      if (!kept.length) continue;
      const { start, values } = regularSeries(kept, info, end);
      out.set(id, { info, start, end, values });
    }
  }
  return out;
}

/** Unix seconds from which a product counts as active: the settled day (from 0 on a store with nothing settled yet). */
const activeSince = (settled: number) => Math.max(0, Math.floor(settled / 1000) - 86_400);

/** Products with engagement in the day before `settled`, in the order a round refreshes them (ACTIVE_SQL). */
export async function activeProducts(ch: ClickHouseClient, settled: number): Promise<string[]> {
  const rs = await ch.query({ query: ACTIVE_SQL, query_params: { since: activeSince(settled) }, format: 'JSONEachRow' });
  return (await rs.json<{ productId: string }>()).map((r) => r.productId);
}

export class Forecaster {
  private trainedAt = -Infinity;
  /** The engine's epoch at that training: an engine started afresh has no MLP, whatever the time since. */
  private trainedEpoch = -1;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;
  /** Forecasts stored by the scheduled rounds since this forecaster was made (the table keeps only each product's latest). */
  storedTotal = 0;
  private readonly log: Logger;
  private readonly metrics: readonly Metric[];
  private readonly engine: ForecastEngine;

  constructor(private readonly d: ForecasterDeps) {
    this.log = d.logger.child({ component: 'forecaster' });
    this.metrics = d.metrics ?? FORECAST_METRICS;
    this.engine = d.engine ?? new LocalForecastEngine();
  }

  /** Rounds run one after another; a round longer than the interval delays the next, never overlaps it. */
  start(): void {
    const tick = () => {
      this.running = this.round()
        // A stop fails the round in flight (its engine is closed): nothing to report then.
        .catch((err) => { if (!this.stopped) this.log.error({ err }, 'forecast round failed'); })
        .finally(() => { if (!this.stopped) this.timer = setTimeout(tick, this.d.intervalMs ?? 600_000); });
    };
    // The first round waits a minute: a starting process catches up on the bus first, and on a
    // first start the simulated history is written and scored before models train on it (training
    // and a hundred forecasts would otherwise compete with the dashboard's first queries).
    this.timer = setTimeout(tick, 60_000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    // Closed first: a round's forecasts in flight are dropped, not waited for (at 100k products a
    // chunk's can take a minute at the thread's low priority); the next start computes them.
    await this.engine.close();
    await this.running;
  }

  /** Event time before which every bucket is complete. */
  private async settled(): Promise<number> {
    return settledBefore(await readWatermark(this.d.ch, this.d.clock.now()), this.d.allowedLatenessMs);
  }

  /**
   * Trains the MLP on a sample of hourly products, each series cut at its first backtest
   * origin, so that the backtests of the following refreshes only test it on hours it never saw.
   */
  async train(): Promise<boolean> {
    const now = this.d.clock.now();
    const settled = await this.settled();
    const rs = await this.d.ch.query({ query: TRAIN_SAMPLE_SQL, query_params: { since: activeSince(settled), n: this.d.trainProducts ?? 300 }, format: 'JSONEachRow' });
    const steps = await loadNativeSteps(this.d.ch, (await rs.json<{ productId: string }>()).map((r) => r.productId));
    const hourly = new Map([...steps].filter(([, s]) => s.step === 'hour'));
    const { horizon } = FORECAST_STEPS.hour;
    const series: number[][] = [];
    for (const metric of this.metrics) {
      for (const s of (await loadSeries(this.d.ch, hourly, metric, settled)).values()) {
        const first = backtestOrigins(s.values.length, horizon, seasonsOf(s.values, 'hour'), FORECAST.origins)[0];
        if (first) series.push(s.values.slice(0, first));
      }
    }
    if (!series.length) {
      this.log.info('MLP not trained yet: no product has a backtest window of history');
      return false;
    }
    const { trained, reason, lags, stats, ms } = await this.engine.train(series);
    if (reason) {
      // Too little history: tried again next round.
      this.log.info({ series: series.length, reason }, 'MLP not trained yet');
      return false;
    }
    // Not useful: tried again at the next retraining, with more history.
    this.trainedAt = now;
    this.trainedEpoch = this.engine.epoch;
    if (trained) this.log.info({ series: series.length, lags, ...stats, ms }, 'trained the global forecasting MLP');
    else this.log.info({ series: series.length, lags, ...stats }, 'global MLP no better than seasonal naive on validation: not used');
    return trained;
  }

  /** One scheduled round over the products active in the last day. */
  async round(): Promise<RoundStats> {
    const now = this.d.clock.now();
    if (this.d.neural && (now - this.trainedAt >= (this.d.retrainMs ?? 6 * HOUR_MS) || this.engine.epoch !== this.trainedEpoch)) await this.train();
    const settled = await this.settled();
    const ids = await activeProducts(this.d.ch, settled);
    const stats: RoundStats = { products: ids.length, refreshed: 0, skipped: 0, tooShort: 0, warmStarted: 0, msPerProduct: 0 };
    let computeMs = 0;
    const chunk = this.d.chunk ?? 200;
    for (let i = 0; i < ids.length && !this.stopped; i += chunk) {
      const part = ids.slice(i, i + chunk);
      const steps = await loadNativeSteps(this.d.ch, part);
      for (const metric of this.metrics) {
        const current = await this.currentIds(steps, metric, settled);
        stats.skipped += current.size;
        const due = new Map([...steps].filter(([id]) => !current.has(id)));
        const series = await loadSeries(this.d.ch, due, metric, settled);
        const outcomes = await this.engine.compute([...series].map(([productId, s]) => ({ productId, metric, series: s, now, keep: true })));
        const done: StoredForecast[] = [];
        for (const o of outcomes) {
          computeMs += o.ms;
          if (o.warmStarted) stats.warmStarted++;
          if (o.forecast) done.push(o.forecast);
        }
        await this.store(done);
        this.storedTotal += done.length;
        stats.refreshed += done.length;
        stats.tooShort += due.size - done.length;
      }
    }
    // Products no longer active keep no warm start.
    if (!this.stopped) await this.engine.retain(ids);
    stats.msPerProduct = stats.refreshed ? computeMs / stats.refreshed : 0;
    this.log.info(stats, 'forecast round');
    return stats;
  }

  /**
   * Forecasts one product now without storing it (the API's answer for a product the schedule has
   * not reached yet: reads never write); null when its history is too short.
   */
  async forecast(productId: string, metric: Metric = 'views'): Promise<StoredForecast | null> {
    const steps = await loadNativeSteps(this.d.ch, [productId]);
    const s = (await loadSeries(this.d.ch, steps, metric, await this.settled())).get(productId);
    if (!s) return null;
    const [{ forecast }] = await this.engine.compute([{ productId, metric, series: s, now: this.d.clock.now(), keep: false }]);
    return forecast;
  }

  /**
   * A product is current once its latest forecast starts where a forecast made now would
   * (`forecastStart`, at its own step: an import that has not changed is not recomputed) and was
   * chosen among the models this forecaster uses for that step. A generation stored before the
   * base was kept is refreshed once, so that every product's change can be read; so is one whose
   * head is missing (a store cut short before its last insert), which the forecasts list would
   * otherwise never show.
   */
  private async currentIds(steps: ReadonlyMap<string, NativeStep>, metric: Metric, settled: number): Promise<Set<string>> {
    const rs = await this.d.ch.query({ query: LATEST_SQL, query_params: { ids: [...steps.keys()], metric }, format: 'JSONEachRow' });
    const out = new Set<string>();
    for (const r of await rs.json<{ productId: string; ts: number | string; hasBase: number | boolean; models: string[] }>()) {
      const info = steps.get(r.productId)!;
      const models = new Set(r.models);
      if (Number(r.ts) * 1000 === forecastStart(info, settled) && Boolean(r.hasBase) && this.engine.modelNames(info.step).every((m) => models.has(m))) out.add(r.productId);
    }
    return out;
  }

  /**
   * Writes forecasts as a round does: their rows, lifecycles and backtests, then their heads (the
   * forecasts list's rows), last, so that the list never shows a generation whose rows are not stored.
   */
  async store(forecasts: StoredForecast[]): Promise<void> {
    if (!forecasts.length) return;
    await this.d.ch.insert({
      table: TABLES.forecasts, format: 'JSONEachRow',
      values: forecasts.flatMap((f) => f.points.map((p) => ({
        productId: f.productId, metric: f.metric, generatedAt: f.generatedAt, model: f.model, granularity: f.interval, horizon: f.horizon, base: float(f.base), step: p.step,
        ts: Math.floor(p.ts / 1000), yhat: p.yhat, lo80: p.lo80, hi80: p.hi80, lo95: p.lo95, hi95: p.hi95,
      }))),
    });
    const stages = forecasts.filter((f) => f.lifecycle);
    if (stages.length) {
      const sec = (ms: number) => Math.floor(ms / 1000);
      await this.d.ch.insert({
        table: TABLES.productLifecycle, format: 'JSONEachRow',
        values: stages.map((f) => ({
          productId: f.productId, metric: f.metric, computedAt: f.generatedAt, granularity: f.interval, stage: f.lifecycle!.stage, growth: float(f.lifecycle!.growth),
          peakAt: f.lifecycle!.peak ? sec(f.lifecycle!.peak.at) : null, peakLo: f.lifecycle!.peak ? sec(f.lifecycle!.peak.lo) : null, peakHi: f.lifecycle!.peak ? sec(f.lifecycle!.peak.hi) : null,
        })),
      });
      if (this.d.updates) {
        const update: LifecycleUpdate = { kind: 'lifecycle', productIds: [...new Set(stages.map((f) => f.productId))] };
        await this.d.updates.bus.publish(this.d.updates.topics.updates, [{ key: 'lifecycle', value: update }]);
      }
    }
    // On a flat history any error is an infinite MASE (read back as null).
    await this.d.ch.insert({
      table: TABLES.forecastBacktests, format: 'JSONEachRow',
      values: forecasts.flatMap((f) => f.backtest.map((b) => ({
        productId: f.productId, metric: f.metric, generatedAt: f.generatedAt, model: b.model, chosen: b.model === f.model ? 1 : 0,
        mase: float(b.mase), smape: float(b.smape), coverage80: float(b.coverage80), coverage95: float(b.coverage95),
        margin80: float(b.margin80), margin95: float(b.margin95), points: b.points, origins: b.origins,
      }))),
    });
    await this.d.ch.insert({ table: TABLES.forecastHeads, format: 'JSONEachRow', values: forecastHeadRows(forecasts) });
  }
}
