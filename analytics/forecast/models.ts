// The statistical models every forecast runs (seasonal naive, the floor, is added by the engine;
// the global MLP joins them where one has been trained).
import type { Step } from '../granularity.js';
import { stlEts } from './decomposed.js';
import { ets } from './ets.js';
import { harmonicRegression } from './harmonic.js';
import { theta } from './theta.js';
import type { ForecastModel } from './types.js';

export const STATISTICAL_MODELS: readonly ForecastModel[] = [ets, stlEts, theta];

/** The year in days: too long and not a whole number of steps for a repeated season, so daily and weekly series get it as Fourier terms. */
const YEAR_DAYS = 365.25;
const dailyHarmonic = harmonicRegression(YEAR_DAYS, true);
const weeklyHarmonic = harmonicRegression(YEAR_DAYS / 7, false);

/**
 * The statistical models for a series at `step`. Daily series add harmonic regression with AR
 * errors (weekday profile, yearly Fourier terms from two years of data): the models that repeat
 * a season cannot hold the year of a daily series, and their level persists where a daily
 * anomaly (a hot week, a promotion) decays. Weekly series add it with the yearly terms alone:
 * a season of 52 repeats last year's week a day and a quarter early, and drifts a week in five years.
 */
export function statisticalModels(step: Step): readonly ForecastModel[] {
  return step === 'day' ? [...STATISTICAL_MODELS, dailyHarmonic] : step === 'week' ? [...STATISTICAL_MODELS, weeklyHarmonic] : STATISTICAL_MODELS;
}
