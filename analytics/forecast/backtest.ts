// Rolling-origin backtest (MASE, interval coverage) and model selection by it.
import { mean } from 'simple-statistics';
import { seasonalNaive } from './seasonal-naive.js';
import type { ForecastModel, ForecastPoint } from './types.js';

export interface BacktestOptions {
  horizon: number;
  /** Season length; ≤ 1 for none. Also the lag of the MASE scale. */
  season: number;
  /** Forecast origins (default 5), the last one at n − horizon. */
  folds?: number;
  /** Buckets between origins (default: horizon). */
  step?: number;
}

export interface BacktestResult {
  model: string;
  /** Mean over origins of (mean |error| over the horizon / in-sample seasonal-naive MAE). */
  mase: number;
  /** Share of held-out points inside the 80% / 95% interval. */
  coverage80: number;
  coverage95: number;
  /** Origins actually used (index of the first held-out point). */
  origins: number[];
}

/** In-sample MAE of the seasonal naive one-season-ahead forecast: the MASE denominator. */
export function maseScale(train: readonly number[], season: number): number {
  const m = Math.max(1, Math.floor(season));
  const diffs = train.slice(m).map((v, i) => Math.abs(v - train[i]));
  return diffs.length ? mean(diffs) : Number.NaN;
}

/**
 * Origins o (training = y[0..o), test = y[o..o+h)) spaced `step` apart ending at n − h, keeping
 * only those with at least two seasons plus two points of training data (three for m = 1).
 */
export function backtestOrigins(n: number, { horizon, season, folds = 5, step = horizon }: BacktestOptions): number[] {
  const minTrain = Math.max(3, 2 * Math.max(1, season) + 2);
  const origins: number[] = [];
  for (let j = folds - 1; j >= 0; j--) {
    const o = n - horizon - j * step;
    if (o >= minTrain) origins.push(o);
  }
  return origins;
}

/**
 * Parameters are estimated once, on the data before the first origin, and then applied at every
 * origin to the history up to it: no origin sees its future, and only one fit is paid for.
 */
export function backtest(y: readonly number[], model: ForecastModel, opts: BacktestOptions): BacktestResult {
  const origins = backtestOrigins(y.length, opts);
  if (!origins.length) throw new RangeError(`series of ${y.length} points is too short to backtest a horizon of ${opts.horizon}`);
  const fitted = model.fit(y.slice(0, origins[0]), opts.season);
  const scores: number[] = [];
  let in80 = 0;
  let in95 = 0;
  let points = 0;
  for (const o of origins) {
    const history = y.slice(0, o);
    const fc = fitted.forecast(history, opts.horizon);
    const errors = fc.map((p, i) => Math.abs(y[o + i] - p.yhat));
    // A flat history has scale 0: any error is then infinitely worse than naive.
    const scale = maseScale(history, opts.season);
    scores.push(scale > 0 ? mean(errors) / scale : mean(errors) === 0 ? 0 : Infinity);
    fc.forEach((p, i) => {
      const v = y[o + i];
      if (v >= p.lo80 && v <= p.hi80) in80++;
      if (v >= p.lo95 && v <= p.hi95) in95++;
      points++;
    });
  }
  return { model: model.name, mase: mean(scores), coverage80: in80 / points, coverage95: in95 / points, origins };
}

export interface Selection {
  /** Name of the model with the lowest backtest MASE (the earlier-listed model on a tie). */
  model: string;
  /** That model, fitted on the whole series, forecasting `horizon` steps. */
  points: ForecastPoint[];
  backtest: BacktestResult[];
}

/** Backtests each model, then refits the best on all the data. Seasonal naive is always a candidate. */
export function selectModel(y: readonly number[], models: readonly ForecastModel[], opts: BacktestOptions): Selection {
  const candidates = models.some((m) => m.name === seasonalNaive.name) ? models : [seasonalNaive, ...models];
  const results = candidates.map((m) => backtest(y, m, opts));
  let best = 0;
  results.forEach((r, i) => { if (r.mase < results[best].mase) best = i; });
  const points = candidates[best].fit(y, opts.season).forecast(y, opts.horizon);
  return { model: candidates[best].name, points, backtest: results };
}
