// Forecast refresh: per product and metric, the series at the product's native step (hourly live
// engagement; daily, weekly or monthly imports), cut before its still-filling bucket, goes
// through the forecasting engine (seasonal naive, ETS, STL-ETS, Theta, their combination,
// harmonic regression for daily series and, for hourly series, the global TF.js MLP, chosen by
// rolling-origin backtest MASE, intervals calibrated from backtest errors), and the forecast
// with its backtest is written to ClickHouse on a schedule for products active in the last day;
// one product can be forecast on demand without a write.
import { setImmediate as yieldToIo } from 'node:timers/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Bus } from '../core/bus/types.js';
import type { Topics } from '../core/bus/topics.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Metric } from '../schemas/events.js';
import { settledBefore } from '../analytics/event-time.js';
import { addSteps, bucketStart, regularSeries, seasonsOf, splitHistory, STEPS, type Step, type StepInfo } from '../analytics/granularity.js';
import { backtestOrigins, forecastSeries, type ModelBacktest } from '../analytics/forecast/backtest.js';
import { statisticalModels } from '../analytics/forecast/models.js';
import { lifecycleOf, type Stage } from '../analytics/lifecycle.js';
import type { NeuralForecaster } from '../analytics/forecast/neural.js';
import type { ForecastModel, ForecastPoint } from '../analytics/forecast/types.js';
import { TABLES } from '../schemas/clickhouse/tables.js';
import type { LifecycleUpdate } from '../schemas/updates.js';
import { float, forecastHeadRows } from './forecast-heads.js';
import { loadNativeSteps, type NativeStep } from './native-step.js';
import { readWatermark } from './watermark.js';
import { WarmStarts } from './warm-starts.js';

const HOUR_MS = 3_600_000;

/** Per native step: how far ahead, and how much history a forecast reads. */
export const FORECAST_STEPS: Record<Step, { horizon: number; history: number }> = {
  // Four weeks: the weekly cycle (168) is used from three weeks on.
  hour: { horizon: 24, history: 28 * 24 },
  day: { horizon: 14, history: 2 * 365 },
  // Five years: the yearly cycle (52) needs two.
  week: { horizon: 13, history: 5 * 52 },
  month: { horizon: 12, history: 10 * 12 },
};

/** The metrics the scheduled rounds forecast and store (any metric can be forecast on demand). */
export const FORECAST_METRICS = ['views', 'orders'] as const satisfies readonly Metric[];

export const FORECAST = {
  /** Longest horizon any step has (hourly), the API's upper bound. */
  horizon: Math.max(...Object.values(FORECAST_STEPS).map((s) => s.horizon)),
  origins: 12,
  /**
   * Refreshes in a row that warm-start each model from the product's previous fit before one fits
   * every model from scratch again (a day of hourly refreshes): a warm fit keeps the form the cold
   * one chose and searches near its parameters, so a slow drift is followed but a new form is not.
   */
  coldEvery: 24,
  /** A warm refresh whose chosen model's backtest MASE is this much worse than at the last cold fit makes the next refresh cold. */
  degraded: 1.2,
} as const;

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
}

export interface StoredForecast {
  productId: string;
  metric: Metric;
  generatedAt: number;
  model: string;
  /** The native step's interval name: 1h, 1d, 1w, 1mo. */
  interval: string;
  horizon: number;
  /** The last value of the series it was fitted on: its last complete bucket, which the forecast's change is measured from. */
  base: number;
  /** `ts`: start of the forecast bucket, ms. */
  points: (ForecastPoint & { ts: number })[];
  backtest: ModelBacktest[];
  /** The product's lifecycle stage from this forecast; the peak (ms) when the horizon reaches it. */
  lifecycle: { stage: Stage; growth: number; peak: { at: number; lo: number; hi: number } | null } | null;
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

/** A product's series at its native step: values of the complete buckets from `start`, the first forecast bucket at `end`. */
export interface ProductSeries { info: StepInfo; start: number; end: number; values: number[] }

// Values per product and hourly bucket over [from, to); metric is a column name from the Metric whitelist.
const seriesSql = (metric: Metric) => `
SELECT productId, toUnixTimestamp(bucket) AS t, sum(${metric}) AS v
FROM ${TABLES.engagement1h}
WHERE productId IN {ids:Array(String)} AND bucket >= toDateTime({from:UInt32}) AND bucket < toDateTime({to:UInt32})
GROUP BY productId, t ORDER BY productId, t`;

const ACTIVE_SQL = `SELECT DISTINCT productId FROM ${TABLES.engagement1h} WHERE bucket >= toDateTime({since:UInt32}) ORDER BY productId`;

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

/**
 * The engine on one product's series at its step: seasons tested on the series, models
 * backtested and chosen, intervals calibrated; null when too short for one backtest origin.
 */
export function forecastProduct(s: ProductSeries, models: readonly ForecastModel[], warm?: { models: ReadonlyMap<string, unknown>; periods: readonly number[] }) {
  const { horizon } = FORECAST_STEPS[s.info.step];
  const periods = warm ? [...warm.periods] : seasonsOf(s.values, s.info.step);
  const f = forecastSeries(s.values, { horizon, periods, models, origins: FORECAST.origins, warm: warm?.models });
  if (!f) return null;
  return { ...f, lifecycle: lifecycleOf(s.values, f.periods, f.points.map((p) => p.yhat), s.info.step) };
}

export class Forecaster {
  private net: NeuralForecaster | null = null;
  private netModel: ForecastModel | null = null;
  private trainedAt = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;
  /** Forecasts stored by the scheduled rounds since this forecaster was made (the table keeps only each product's latest). */
  storedTotal = 0;
  private readonly log: Logger;
  private readonly metrics: readonly Metric[];
  /** Per product and metric (`id\u0000metric`), the previous refresh's fits; products no longer active are dropped each round. */
  private readonly warm = new WarmStarts();

  constructor(private readonly d: ForecasterDeps) {
    this.log = d.logger.child({ component: 'forecaster' });
    this.metrics = d.metrics ?? FORECAST_METRICS;
  }

  /** Rounds run one after another; a round longer than the interval delays the next, never overlaps it. */
  start(): void {
    const tick = () => {
      this.running = this.round()
        .catch((err) => this.log.error({ err }, 'forecast round failed'))
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
    await this.running;
    this.net?.dispose();
    this.net = null;
    this.netModel = null;
  }

  /** The models for a series at `step`: the MLP is trained on hourly series only. */
  private modelsFor(step: Step): ForecastModel[] {
    return this.netModel && step === 'hour' ? [...statisticalModels(step), this.netModel] : [...statisticalModels(step)];
  }

  /** Event time before which every bucket is complete. */
  private async settled(): Promise<number> {
    return settledBefore(await readWatermark(this.d.ch, this.d.clock.now()), this.d.allowedLatenessMs);
  }

  /** Unix seconds from which a product counts as active: the settled day (from 0 on a store with nothing settled yet). */
  private static activeSince(settled: number): number {
    return Math.max(0, Math.floor(settled / 1000) - 86_400);
  }

  /**
   * Trains the MLP on a sample of hourly products, each series cut at its first backtest
   * origin, so that the backtests of the following refreshes only test it on hours it never saw.
   */
  async train(): Promise<boolean> {
    const now = this.d.clock.now();
    const settled = await this.settled();
    const rs = await this.d.ch.query({ query: TRAIN_SAMPLE_SQL, query_params: { since: Forecaster.activeSince(settled), n: this.d.trainProducts ?? 300 }, format: 'JSONEachRow' });
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
    // Loaded only to train: the API's forecaster, and a process without history, never pay for TF.js.
    const { trainGlobal, neuralModel, chooseLags } = await import('../analytics/forecast/neural.js');
    const lags = chooseLags(Math.min(...series.map((y) => y.length)), horizon, 24);
    const started = performance.now();
    try {
      const net = await trainGlobal(series, { lags, horizon, period: 24 });
      if (!net.stats.useful) {
        // Tried again at the next retraining, with more history.
        this.trainedAt = now;
        this.log.info({ series: series.length, lags, ...net.stats }, 'global MLP no better than seasonal naive on validation: not used');
        net.dispose();
        return false;
      }
      this.net?.dispose();
      this.net = net;
      this.netModel = neuralModel(net);
      this.trainedAt = now;
      this.log.info({ series: series.length, lags, ...net.stats, ms: Math.round(performance.now() - started) }, 'trained the global forecasting MLP');
      return true;
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      // Too little history yet: forecast with the statistical models and try again next round.
      this.log.info({ series: series.length, reason: err.message }, 'MLP not trained yet');
      return false;
    }
  }

  /** One scheduled round over the products active in the last day. */
  async round(): Promise<RoundStats> {
    const now = this.d.clock.now();
    if (this.d.neural && now - this.trainedAt >= (this.d.retrainMs ?? 6 * HOUR_MS)) await this.train();
    const settled = await this.settled();
    const rs = await this.d.ch.query({ query: ACTIVE_SQL, query_params: { since: Forecaster.activeSince(settled) }, format: 'JSONEachRow' });
    const ids = (await rs.json<{ productId: string }>()).map((r) => r.productId);
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
        const done: StoredForecast[] = [];
        for (const [productId, s] of series) {
          const started = performance.now();
          const f = this.compute(productId, metric, s, now, stats);
          computeMs += performance.now() - started;
          if (f) done.push(f);
          // Each forecast is milliseconds of CPU: let the sink and the scorer run between them.
          await yieldToIo();
        }
        await this.store(done);
        this.storedTotal += done.length;
        stats.refreshed += done.length;
        stats.tooShort += due.size - done.length;
      }
    }
    const active = new Set(ids);
    for (const key of this.warm.keys()) if (!active.has(key.slice(0, key.indexOf('\u0000')))) this.warm.delete(key);
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
    return s ? this.compute(productId, metric, s, this.d.clock.now()) : null;
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
      if (Number(r.ts) * 1000 === forecastStart(info, settled) && Boolean(r.hasBase) && this.modelsFor(info.step).every((m) => models.has(m.name))) out.add(r.productId);
    }
    return out;
  }

  /** One product's forecast; with `round` (a scheduled round, not an API read) its fits are kept for the next refresh to start from. */
  private compute(productId: string, metric: Metric, s: ProductSeries, now: number, round?: RoundStats): StoredForecast | null {
    const key = `${productId}\u0000${metric}`;
    const prior = this.warm.get(key);
    const warm = prior && !prior.cold && prior.step === s.info.step && prior.warmRuns < FORECAST.coldEvery ? prior : undefined;
    const f = forecastProduct(s, this.modelsFor(s.info.step), warm);
    if (round) {
      if (warm && f) round.warmStarted++;
      const chosen = f?.backtest.find((b) => b.model === f.model)?.mase ?? Number.NaN;
      if (!f) this.warm.delete(key);
      else if (warm) this.warm.set(key, { ...warm, models: f.warm, warmRuns: warm.warmRuns + 1, cold: !(chosen <= FORECAST.degraded * warm.coldMase) });
      else this.warm.set(key, { step: s.info.step, models: f.warm, periods: f.periods, warmRuns: 0, coldMase: chosen, cold: false });
    }
    if (!f) return null;
    // Steps ahead of the series' end (fractional for the peak) → time; bucket k starts at end + (k − 1) steps.
    const at = (steps: number) => { const k = Math.floor(steps); return addSteps(s.end, k, s.info) + (steps - k) * STEPS[s.info.step].ms - STEPS[s.info.step].ms; };
    const lc = f.lifecycle;
    return {
      productId, metric, generatedAt: now, model: f.model, interval: STEPS[s.info.step].interval, horizon: f.points.length, base: s.values[s.values.length - 1],
      points: f.points.map((p) => ({ ...p, ts: addSteps(s.end, p.step - 1, s.info) })),
      backtest: f.backtest,
      lifecycle: lc && { stage: lc.stage, growth: lc.growth, peak: lc.peak && { at: at(lc.peak.steps), lo: at(lc.peak.lo), hi: at(lc.peak.hi) } },
    };
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
