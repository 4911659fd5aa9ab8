// Seasonal median: each future value is the median of the same position in the last k cycles of
// the longest season in force (the same hour of the week over the last k weeks on an hourly
// series with a weekly season), or of the last k values without a season. Seasonal naive repeats
// one cycle, so one odd hour in it (a sensor that read 0, a holiday, a burst) is forecast again a
// cycle later; the median of an odd number of cycles passes over one such hour and follows the
// rest. And the longest season keeps what the primary one loses: a weekday's profile is not a
// Sunday's, though seasonal naive on 24 hours forecasts Monday from Sunday.
import type { ForecastModel } from './types.js';

function median(v: number[]): number {
  v.sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/**
 * Medians of the same position in the last k cycles of `season` (as many whole cycles as the
 * history holds, at most k; of the last k values when season ≤ 1). The history's scale is the
 * engine's (log); the median commutes with that monotone map when the count taken is odd.
 */
export function seasonalMedianPoints(history: readonly number[], horizon: number, season: number, k: number): number[] {
  const n = history.length;
  if (n === 0) throw new RangeError('seasonal median needs at least one observation');
  if (season <= 1) {
    const flat = median(history.slice(Math.max(0, n - k)));
    return new Array<number>(horizon).fill(flat);
  }
  const cycles = Math.max(1, Math.min(k, Math.floor(n / season)));
  return Array.from({ length: horizon }, (_, i) => {
    const at = n - season + (i % season);
    return median(Array.from({ length: cycles }, (__, c) => history[at - c * season]));
  });
}

/** Three cycles: the fewest whose median passes over one odd value; more would follow a change of level later. */
export const SEASONAL_MEDIAN_CYCLES = 3;

export const seasonalMedian: ForecastModel = {
  name: 'seasonal-median',
  fit: (_train, ctx) => {
    const season = Math.max(1, ...ctx.periods);
    return { forecast: (history, horizon) => seasonalMedianPoints(history, horizon, season, SEASONAL_MEDIAN_CYCLES) };
  },
};
