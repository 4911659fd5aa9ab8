// Seasonal naive: each future value repeats the value one primary season earlier (plain naive
// without a season). The floor every other model must beat.
import type { ForecastModel } from './types.js';

export function seasonalNaivePoints(history: readonly number[], horizon: number, season: number): number[] {
  const n = history.length;
  if (n === 0) throw new RangeError('seasonal naive needs at least one observation');
  const m = Math.max(1, Math.min(Math.floor(season), n));
  return Array.from({ length: horizon }, (_, i) => history[n - m + (i % m)]);
}

export const seasonalNaive: ForecastModel = {
  name: 'seasonal-naive',
  fit: (_train, ctx) => ({ forecast: (history, horizon) => seasonalNaivePoints(history, horizon, ctx.periods[0] ?? 1) }),
};
