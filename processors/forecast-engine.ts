// The forecasting engine the forecaster drives: what a forecast of one product's series is
// (models backtested and chosen, intervals calibrated, lifecycle read), the state kept between
// refreshes (each product's warm starts, the global MLP) and its training. Pure computation: the
// forecaster reads the series and stores the forecasts. `LocalForecastEngine` computes on the
// calling thread; `forecast-thread.ts` runs the same engine on a worker thread of its own.
import { setImmediate as yieldToIo } from 'node:timers/promises';
import { addSteps, seasonsOf, STEPS, type Step, type StepInfo } from '../analytics/granularity.js';
import { forecastSeries, type ModelBacktest } from '../analytics/forecast/backtest.js';
import { statisticalModels } from '../analytics/forecast/models.js';
import { lifecycleOf, type Stage } from '../analytics/lifecycle.js';
import type { NeuralForecaster } from '../analytics/forecast/neural.js';
import type { ForecastModel, ForecastPoint } from '../analytics/forecast/types.js';
import { TrendDropError } from '../core/errors.js';
import type { Metric } from '../schemas/events.js';
import { WarmStarts } from './warm-starts.js';

/** Per native step: how far ahead, and how much history a forecast reads. */
export const FORECAST_STEPS: Record<Step, { horizon: number; history: number }> = {
  // Four weeks: the weekly cycle (168) is used from three weeks on.
  hour: { horizon: 24, history: 28 * 24 },
  day: { horizon: 14, history: 2 * 365 },
  // Five years: the yearly cycle (52) needs two.
  week: { horizon: 13, history: 5 * 52 },
  month: { horizon: 12, history: 10 * 12 },
};

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

/** A product's series at its native step: values of the complete buckets from `start`, the first forecast bucket at `end`. */
export interface ProductSeries { info: StepInfo; start: number; end: number; values: number[] }

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

/** One product and metric to forecast from its series, as of `now`. */
export interface ForecastJob {
  productId: string;
  metric: Metric;
  series: ProductSeries;
  now: number;
  /** A scheduled round's refresh: its fits are kept for the next refresh to start from (an API read keeps nothing). */
  keep: boolean;
}

export interface ForecastOutcome {
  /** Null when the history is too short for one backtest origin. */
  forecast: StoredForecast | null;
  /** Refreshed from the product's previous fits and seasons (`FORECAST.coldEvery`), not from scratch. */
  warmStarted: boolean;
  /** Time of backtest + model choice + forecast. */
  ms: number;
}

/** What training the global MLP came to. */
export interface TrainOutcome {
  /** This training's network beat seasonal naive on validation and is used from now on. */
  trained: boolean;
  /** The MLP's name among the candidates while one is used (this training's or an earlier one's). */
  model: string | null;
  lags?: number;
  stats?: NeuralForecaster['stats'];
  /** Why it was not trained (too little history). */
  reason?: string;
  ms: number;
}

/** The engine as the forecaster sees it, on this thread or on another. */
export interface ForecastEngine {
  /** The models a forecast at `step` is chosen among now (the MLP only on hourly series, once trained). */
  modelNames(step: Step): string[];
  /** Changes each time the engine starts afresh, its warm starts and MLP gone (a thread started again): a new one trains again. */
  readonly epoch: number;
  /** Trains the global MLP on these series (each cut where its backtest starts); used from then on if it beats seasonal naive. */
  train(series: number[][]): Promise<TrainOutcome>;
  compute(jobs: ForecastJob[]): Promise<ForecastOutcome[]>;
  /** Forgets the warm starts of every product not in `productIds`. */
  retain(productIds: readonly string[]): Promise<void>;
  /** Ends the engine: a call in flight fails (`ForecastEngineClosedError`) rather than run to its end, and so does any later call. */
  close(): Promise<void>;
}

export class ForecastEngineClosedError extends TrendDropError {
  constructor() {
    super('forecast_engine_closed', 'the forecasting engine was closed');
  }
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

/** The candidates at `step`, the statistical ones as given and the MLP where one is trained: it is trained on hourly series only. */
function candidates<T>(step: Step, statistical: readonly T[], neural: T | null): T[] {
  return neural !== null && step === 'hour' ? [...statistical, neural] : [...statistical];
}

/** The candidates' names at `step`, with the MLP's where one is used. */
export function modelNames(step: Step, neural: string | null): string[] {
  return candidates(step, statisticalModels(step).map((m) => m.name), neural);
}

/** The engine computing on the thread that calls it. */
export class LocalForecastEngine implements ForecastEngine {
  private net: NeuralForecaster | null = null;
  private netModel: ForecastModel | null = null;
  /** Per product and metric (`id\u0000metric`), the previous refresh's fits. */
  private readonly warm = new WarmStarts();
  private closed = false;
  readonly epoch = 0;

  modelNames(step: Step): string[] {
    return modelNames(step, this.netModel?.name ?? null);
  }


  async train(series: number[][]): Promise<TrainOutcome> {
    this.ensureOpen();
    // Loaded only to train: an engine that never trains (the API's) never pays for TF.js.
    const { trainGlobal, neuralModel, chooseLags } = await import('../analytics/forecast/neural.js');
    const { horizon } = FORECAST_STEPS.hour;
    const lags = chooseLags(Math.min(...series.map((y) => y.length)), horizon, 24);
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    try {
      const net = await trainGlobal(series, { lags, horizon, period: 24 });
      if (this.closed) net.dispose();
      this.ensureOpen();
      if (!net.stats.useful) {
        net.dispose();
        return { trained: false, model: this.netModel?.name ?? null, lags, stats: net.stats, ms: ms() };
      }
      this.net?.dispose();
      this.net = net;
      this.netModel = neuralModel(net);
      return { trained: true, model: this.netModel.name, lags, stats: net.stats, ms: ms() };
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      // Too little history yet: the statistical models forecast until a later training.
      return { trained: false, model: this.netModel?.name ?? null, lags, reason: err.message, ms: ms() };
    }
  }

  async compute(jobs: ForecastJob[]): Promise<ForecastOutcome[]> {
    const out: ForecastOutcome[] = [];
    for (const job of jobs) {
      this.ensureOpen();
      const started = performance.now();
      const { forecast, warmStarted } = this.computeOne(job);
      out.push({ forecast, warmStarted, ms: performance.now() - started });
      // Each forecast is milliseconds of CPU: on the main thread, the sink and the scorer run between them.
      await yieldToIo();
    }
    return out;
  }

  async retain(productIds: readonly string[]): Promise<void> {
    this.ensureOpen();
    const active = new Set(productIds);
    for (const key of this.warm.keys()) if (!active.has(key.slice(0, key.indexOf('\u0000')))) this.warm.delete(key);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.net?.dispose();
    this.net = null;
    this.netModel = null;
  }

  private ensureOpen(): void {
    if (this.closed) throw new ForecastEngineClosedError();
  }

  private computeOne({ productId, metric, series: s, now, keep }: ForecastJob): { forecast: StoredForecast | null; warmStarted: boolean } {
    const key = `${productId}\u0000${metric}`;
    const prior = this.warm.get(key);
    const warm = prior && !prior.cold && prior.step === s.info.step && prior.warmRuns < FORECAST.coldEvery ? prior : undefined;
    const f = forecastProduct(s, candidates(s.info.step, statisticalModels(s.info.step), this.netModel), warm);
    if (keep) {
      const chosen = f?.backtest.find((b) => b.model === f.model)?.mase ?? Number.NaN;
      if (!f) this.warm.delete(key);
      else if (warm) this.warm.set(key, { ...warm, models: f.warm, warmRuns: warm.warmRuns + 1, cold: !(chosen <= FORECAST.degraded * warm.coldMase) });
      else this.warm.set(key, { step: s.info.step, models: f.warm, periods: f.periods, warmRuns: 0, coldMase: chosen, cold: false });
    }
    if (!f) return { forecast: null, warmStarted: false };
    // Steps ahead of the series' end (fractional for the peak) → time; bucket k starts at end + (k − 1) steps.
    const at = (steps: number) => { const k = Math.floor(steps); return addSteps(s.end, k, s.info) + (steps - k) * STEPS[s.info.step].ms - STEPS[s.info.step].ms; };
    const lc = f.lifecycle;
    const forecast: StoredForecast = {
      productId, metric, generatedAt: now, model: f.model, interval: STEPS[s.info.step].interval, horizon: f.points.length, base: s.values[s.values.length - 1],
      points: f.points.map((p) => ({ ...p, ts: addSteps(s.end, p.step - 1, s.info) })),
      backtest: f.backtest,
      lifecycle: lc && { stage: lc.stage, growth: lc.growth, peak: lc.peak && { at: at(lc.peak.steps), lo: at(lc.peak.lo), hi: at(lc.peak.hi) } },
    };
    return { forecast, warmStarted: keep && warm !== undefined };
  }
}
