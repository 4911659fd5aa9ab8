// What every forecasting model implements, and what a forecast is.
import type { Decomposition } from '../stl.js';

export interface ForecastPoint {
  /** Steps ahead of the last observation, 1…horizon. */
  step: number;
  yhat: number;
  lo80: number;
  hi80: number;
  lo95: number;
  hi95: number;
}

/**
 * What a model knows about the series beyond its values: the seasonal periods in force (the
 * first is the primary one; empty for none) and a decomposition of any prefix of the series,
 * computed once per prefix and shared by the models that work on the seasonally adjusted series.
 */
export interface SeriesContext {
  readonly periods: readonly number[];
  decompose(history: readonly number[]): Decomposition;
}

/** A model with its parameters estimated; applies them to any prefix of the series (the backtest reuses it per origin). */
export interface FittedModel {
  /** Point forecasts for steps 1…horizon after `history`. */
  forecast(history: readonly number[], horizon: number): number[];
  /**
   * What a later fit of the same model on a longer history may start its search from (see
   * `ForecastModel.fit`'s `warm`): plain data (finite numbers, booleans, strings), which the
   * forecaster keeps as JSON between refreshes.
   */
  readonly warm?: unknown;
}

/**
 * A forecasting method. Models see the series on the scale the engine works on (the log scale
 * when the series allows it, see analytics/granularity.ts), give point forecasts only, and get
 * their intervals from their own backtest errors (intervals.ts), so every model's intervals
 * are calibrated the same way.
 */
export interface ForecastModel {
  readonly name: string;
  /**
   * Estimates parameters on `train`. `warm`, when given, is a `FittedModel.warm` of this model
   * from a shorter history of the same series: a model that optimises may keep its form and
   * search near those parameters instead of from scratch; one that does not ignores it.
   */
  fit(train: readonly number[], ctx: SeriesContext, warm?: unknown): FittedModel;
}
