// What every forecasting model produces and how the backtest drives it.
import { probit } from 'simple-statistics';

export interface ForecastPoint {
  /** Steps ahead of the last observation, 1…horizon. */
  step: number;
  yhat: number;
  lo80: number;
  hi80: number;
  lo95: number;
  hi95: number;
}

/** A model with its parameters estimated; applies them to any history (the backtest reuses it per origin). */
export interface FittedModel {
  forecast(history: readonly number[], horizon: number): ForecastPoint[];
}

export interface ForecastModel {
  readonly name: string;
  /** Estimates parameters on `train`; `season` ≤ 1 means none. */
  fit(train: readonly number[], season: number): FittedModel;
}

/** Two-sided normal quantiles for the 80% and 95% intervals. */
export const Z80 = probit(0.9);
export const Z95 = probit(0.975);

/** A point with symmetric normal intervals of standard deviation `sd`. */
export function normalPoint(step: number, yhat: number, sd: number): ForecastPoint {
  return { step, yhat, lo80: yhat - Z80 * sd, hi80: yhat + Z80 * sd, lo95: yhat - Z95 * sd, hi95: yhat + Z95 * sd };
}
