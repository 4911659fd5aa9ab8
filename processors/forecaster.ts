// Forecast refresh: per product and metric, the hourly series from engagement_1h goes through
// selectModel (seasonal naive, damped ETS and the global TF.js MLP, chosen by rolling-origin
// backtest MASE), and the forecast with its backtest is written to ClickHouse on a schedule for
// products active in the last day; one product can be forecast on demand without a write.
import { setImmediate as yieldToIo } from 'node:timers/promises';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Metric } from '../schemas/events.js';
import { backtestOrigins, selectModel, type BacktestOptions, type BacktestResult } from '../analytics/forecast/backtest.js';
import { dampedEts } from '../analytics/forecast/ets.js';
import type { NeuralForecaster } from '../analytics/forecast/neural.js';
import { detectSeason } from '../analytics/forecast/season.js';
import { seasonalNaive } from '../analytics/forecast/seasonal-naive.js';
import type { ForecastModel, ForecastPoint } from '../analytics/forecast/types.js';
import { TABLES } from '../schemas/clickhouse/tables.js';

const HOUR_MS = 3_600_000;

export const FORECAST = {
  /** Hours ahead; the MLP is trained for exactly this many outputs. */
  horizon: 24,
  /** Hours of history a forecast reads: enough for the backtest and two weeks of daily cycle. */
  historyHours: 14 * 24,
  folds: 5,
  /** The one season hourly engagement is expected to have: the daily cycle. */
  daySeason: 24,
  /** MLP input window: two days, so it sees the daily cycle twice. */
  lags: 48,
} as const;

export interface ForecasterDeps {
  ch: ClickHouseClient;
  clock: Clock;
  logger: Logger;
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
}

export interface StoredForecast {
  productId: string;
  metric: Metric;
  generatedAt: number;
  model: string;
  horizon: number;
  /** `ts`: start of the forecast hour, ms. */
  points: (ForecastPoint & { ts: number })[];
  backtest: BacktestResult[];
}

export interface RoundStats {
  products: number;
  refreshed: number;
  /** Already forecast through the last complete hour. */
  skipped: number;
  /** Too little hourly history to backtest. */
  tooShort: number;
  /** Mean time of backtest + model choice + forecast per refreshed product (queries and inserts excluded). */
  msPerProduct: number;
}

// Hourly values per product over [from, to); metric is a column name from the Metric whitelist.
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

// Products whose forecast already includes the latest complete hour, with the full model set.
const CURRENT_SQL = `
SELECT DISTINCT productId FROM ${TABLES.forecastBacktests}
WHERE productId IN {ids:Array(String)} AND metric = {metric:String} AND model = {model:String} AND generatedAt >= fromUnixTimestamp64Milli({since:Int64})`;

/** Zero-filled hourly series per product, from its first hour with data to `endSec` (exclusive). */
export async function loadHourlySeries(ch: ClickHouseClient, ids: string[], metric: Metric, endSec: number): Promise<Map<string, number[]>> {
  const from = endSec - FORECAST.historyHours * 3600;
  const rs = await ch.query({ query: seriesSql(metric), query_params: { ids, from, to: endSec }, format: 'JSONEachRow' });
  const out = new Map<string, number[]>();
  let id = '';
  let first = 0;
  let y: number[] = [];
  for (const r of await rs.json<{ productId: string; t: number; v: number }>()) {
    if (r.productId !== id) {
      id = r.productId;
      first = Number(r.t);
      y = new Array((endSec - first) / 3600).fill(0);
      out.set(id, y);
    }
    y[(Number(r.t) - first) / 3600] = Number(r.v);
  }
  return out;
}

/** Season 24 when the daily cycle shows in the series (three days needed to tell), else none. */
export const hourlySeason = (y: readonly number[]) => (detectSeason(y, FORECAST.daySeason) === FORECAST.daySeason ? FORECAST.daySeason : 1);

/**
 * Backtests the models on y and forecasts with the best; null when y is too short for even one
 * backtest origin. Counts cannot be negative, so forecasts and bounds are cut at zero (which
 * only ever moves them closer to the actuals).
 */
export function forecastHourly(y: readonly number[], models: readonly ForecastModel[]) {
  const season = hourlySeason(y);
  const opts: BacktestOptions = { horizon: FORECAST.horizon, season, folds: FORECAST.folds };
  if (!backtestOrigins(y.length, opts).length) return null;
  const sel = selectModel(y, models, opts);
  const clip = (v: number) => Math.max(0, v);
  return { season, model: sel.model, backtest: sel.backtest, points: sel.points.map((p) => ({ ...p, yhat: clip(p.yhat), lo80: clip(p.lo80), hi80: clip(p.hi80), lo95: clip(p.lo95), hi95: clip(p.hi95) })) };
}

export class Forecaster {
  private net: NeuralForecaster | null = null;
  private netModel: ForecastModel | null = null;
  private trainedAt = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private readonly log: Logger;
  private readonly metrics: readonly Metric[];

  constructor(private readonly d: ForecasterDeps) {
    this.log = d.logger.child({ component: 'forecaster' });
    this.metrics = d.metrics ?? ['views', 'orders'];
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

  private get models(): ForecastModel[] {
    return this.netModel ? [seasonalNaive, dampedEts, this.netModel] : [seasonalNaive, dampedEts];
  }

  /** End of the last complete hour, in seconds: the partial current hour would read as a fall. */
  private endSec(now: number): number {
    return Math.floor(now / HOUR_MS) * 3600;
  }

  /**
   * Trains the MLP on a sample of products, each series cut at its first backtest origin, so
   * that the backtests of the following refreshes only test it on hours it never saw.
   */
  async train(): Promise<boolean> {
    const now = this.d.clock.now();
    const endSec = this.endSec(now);
    const rs = await this.d.ch.query({ query: TRAIN_SAMPLE_SQL, query_params: { since: endSec - 86_400, n: this.d.trainProducts ?? 300 }, format: 'JSONEachRow' });
    const ids = (await rs.json<{ productId: string }>()).map((r) => r.productId);
    const series: number[][] = [];
    for (const metric of this.metrics) {
      for (const y of (await loadHourlySeries(this.d.ch, ids, metric, endSec)).values()) {
        const first = backtestOrigins(y.length, { horizon: FORECAST.horizon, season: hourlySeason(y), folds: FORECAST.folds })[0];
        if (first) series.push(y.slice(0, first));
      }
    }
    if (!series.length) {
      this.log.info('MLP not trained yet: no product has a backtest window of history');
      return false;
    }
    // Loaded only to train: the API's forecaster, and a process without history, never pay for TF.js.
    const { trainGlobal, neuralModel } = await import('../analytics/forecast/neural.js');
    const started = performance.now();
    try {
      const net = await trainGlobal(series, { lags: FORECAST.lags, horizon: FORECAST.horizon });
      this.net?.dispose();
      this.net = net;
      this.netModel = neuralModel(net);
      this.trainedAt = now;
      this.log.info({ series: series.length, ms: Math.round(performance.now() - started) }, 'trained the global forecasting MLP');
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
    const endSec = this.endSec(now);
    const rs = await this.d.ch.query({ query: ACTIVE_SQL, query_params: { since: endSec - 86_400 }, format: 'JSONEachRow' });
    const ids = (await rs.json<{ productId: string }>()).map((r) => r.productId);
    const stats: RoundStats = { products: ids.length, refreshed: 0, skipped: 0, tooShort: 0, msPerProduct: 0 };
    let computeMs = 0;
    const chunk = this.d.chunk ?? 200;
    for (let i = 0; i < ids.length && !this.stopped; i += chunk) {
      for (const metric of this.metrics) {
        const part = ids.slice(i, i + chunk);
        const current = await this.currentIds(part, metric, endSec);
        stats.skipped += current.size;
        const due = part.filter((id) => !current.has(id));
        const series = await loadHourlySeries(this.d.ch, due, metric, endSec);
        const done: StoredForecast[] = [];
        for (const [productId, y] of series) {
          const started = performance.now();
          const f = this.compute(productId, metric, y, now, endSec);
          computeMs += performance.now() - started;
          if (f) done.push(f);
          // Each forecast is a few milliseconds of CPU: let the sink and the scorer run between them.
          await yieldToIo();
        }
        await this.store(done);
        stats.refreshed += done.length;
        stats.tooShort += due.length - done.length;
      }
    }
    stats.msPerProduct = stats.refreshed ? computeMs / stats.refreshed : 0;
    this.log.info(stats, 'forecast round');
    return stats;
  }

  /**
   * Forecasts one product now without storing it (the API's answer for a product the schedule has
   * not reached yet: reads never write); null when its history is too short.
   */
  async forecast(productId: string, metric: Metric = 'views'): Promise<StoredForecast | null> {
    const now = this.d.clock.now();
    const endSec = this.endSec(now);
    const y = (await loadHourlySeries(this.d.ch, [productId], metric, endSec)).get(productId);
    return y ? this.compute(productId, metric, y, now, endSec) : null;
  }

  /** A product is current once a forecast made after its last complete hour has the model set this forecaster uses. */
  private async currentIds(ids: string[], metric: Metric, endSec: number): Promise<Set<string>> {
    const model = this.netModel ? 'mlp-global' : dampedEts.name;
    const rs = await this.d.ch.query({ query: CURRENT_SQL, query_params: { ids, metric, model, since: endSec * 1000 }, format: 'JSONEachRow' });
    return new Set((await rs.json<{ productId: string }>()).map((r) => r.productId));
  }

  private compute(productId: string, metric: Metric, y: readonly number[], now: number, endSec: number): StoredForecast | null {
    const f = forecastHourly(y, this.models);
    if (!f) return null;
    return {
      productId, metric, generatedAt: now, model: f.model, horizon: FORECAST.horizon,
      points: f.points.map((p) => ({ ...p, ts: (endSec + (p.step - 1) * 3600) * 1000 })),
      backtest: f.backtest,
    };
  }

  private async store(forecasts: StoredForecast[]): Promise<void> {
    if (!forecasts.length) return;
    await this.d.ch.insert({
      table: TABLES.forecasts, format: 'JSONEachRow',
      values: forecasts.flatMap((f) => f.points.map((p) => ({
        productId: f.productId, metric: f.metric, generatedAt: f.generatedAt, model: f.model, horizon: f.horizon, step: p.step,
        ts: p.ts / 1000, yhat: p.yhat, lo80: p.lo80, hi80: p.hi80, lo95: p.lo95, hi95: p.hi95,
      }))),
    });
    await this.d.ch.insert({
      table: TABLES.forecastBacktests, format: 'JSONEachRow',
      // On a flat history any error is an infinite MASE; JSON has no Infinity, ClickHouse reads 'inf' (and reads it back as null).
      values: forecasts.flatMap((f) => f.backtest.map((b) => ({
        productId: f.productId, metric: f.metric, generatedAt: f.generatedAt, model: b.model,
        mase: Number.isFinite(b.mase) ? b.mase : 'inf', coverage80: b.coverage80, coverage95: b.coverage95, origins: b.origins.length,
      }))),
    });
  }
}
