// The statistical models every forecast runs (seasonal naive, the floor, is added by the engine;
// the global MLP joins them where one has been trained).
import type { Step } from '../granularity.js';
import { airline } from './airline.js';
import { combShd, stlEts } from './decomposed.js';
import { ets, etsFitted, fitEts } from './ets.js';
import { harmonicAdjusted, harmonicRegression } from './harmonic.js';
import { seasonalMedian } from './seasonal-median.js';
import { theta } from './theta.js';
import type { ForecastModel } from './types.js';

export const STATISTICAL_MODELS: readonly ForecastModel[] = [ets, stlEts, theta];

/** The year in days: too long and not a whole number of steps for a repeated season, so daily and weekly series get it as Fourier terms. */
const YEAR_DAYS = 365.25;
const dailyHarmonic = harmonicRegression(YEAR_DAYS, true);
const weeklyHarmonic = harmonicRegression(YEAR_DAYS / 7, false);
const adjustedEts = (adjusted: number[], warm?: unknown) => etsFitted(fitEts(adjusted, 1, warm));
const dailyHarmonicEts = harmonicAdjusted(YEAR_DAYS, true, adjustedEts);
const weeklyHarmonicEts = harmonicAdjusted(YEAR_DAYS / 7, false, adjustedEts);

/**
 * The statistical models for a series at `step`. Daily series add harmonic regression with AR
 * errors (weekday profile, yearly Fourier terms from two years of data): the models that repeat
 * a season cannot hold the year of a daily series, and their level persists where a daily
 * anomaly (a hot week, a promotion) decays. Beside it, exponential smoothing of the series less
 * that regression's season, for an anomaly that does persist (a warm autumn, a new level of
 * sales): the two bracket how long a departure from the profile lasts, which the backtest and
 * the pool weigh. Weekly series add both with the yearly terms alone:
 * a season of 52 repeats last year's week a day and a quarter early, and drifts a week in five years.
 * Monthly series add Comb S-H-D (the M3/M4 benchmark): a year ahead, whether a trend carries on
 * (Holt) or levels off (damped) matters most, and neither AICc nor a dozen origins can tell which;
 * their mean with SES hedges it. Not on hourly series (one more model on the app's hot path) and
 * not on weekly ones, where it gained nothing in our evaluation. They add the airline model too
 * (seasonal ARIMA): a season that evolves by its own shocks, where exponential smoothing's moves
 * with the level's, a second account of the same data for the backtest and the pool to weigh.
 * Hourly series add the seasonal median (the same hour of the week over the last three weeks):
 * real hourly counts have hours that read 0 or burst (a counter's dropout, a holiday), which
 * seasonal naive repeats a day later and the models smoothing the log scale chase (on I-94
 * traffic the choice was 1.31× seasonal naive without it, 0.55× with it; docs/analytics.md).
 */
export function statisticalModels(step: Step): readonly ForecastModel[] {
  if (step === 'day') return [...STATISTICAL_MODELS, dailyHarmonic, dailyHarmonicEts];
  if (step === 'week') return [...STATISTICAL_MODELS, weeklyHarmonic, weeklyHarmonicEts];
  if (step === 'hour') return [...STATISTICAL_MODELS, seasonalMedian];
  return step === 'month' ? [...STATISTICAL_MODELS, combShd, airline] : STATISTICAL_MODELS;
}
