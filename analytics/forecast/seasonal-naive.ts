// Seasonal naive: each future value repeats the value one season earlier (plain naive when m = 1).
import { sampleStandardDeviation } from 'simple-statistics';
import { normalPoint, type FittedModel, type ForecastModel, type ForecastPoint } from './types.js';

export function seasonalNaiveForecast(history: readonly number[], horizon: number, season: number): ForecastPoint[] {
  const n = history.length;
  if (n === 0) throw new RangeError('seasonal naive needs at least one observation');
  const m = Math.max(1, Math.min(Math.floor(season), n));
  const residuals = history.slice(m).map((v, i) => v - history[i]);
  const sd = residuals.length >= 2 ? sampleStandardDeviation(residuals) : 0;
  return Array.from({ length: horizon }, (_, i) => {
    const k = i + 1;
    // Seasons ahead ⌈k/m⌉: the error of a repeated value grows like a random walk in whole seasons.
    const seasonsAhead = Math.floor((k - 1) / m) + 1;
    return normalPoint(k, history[n - m + ((k - 1) % m)], sd * Math.sqrt(seasonsAhead));
  });
}

export const seasonalNaive: ForecastModel = {
  name: 'seasonal-naive',
  fit(_train, season): FittedModel {
    return { forecast: (history, horizon) => seasonalNaiveForecast(history, horizon, season) };
  },
};
