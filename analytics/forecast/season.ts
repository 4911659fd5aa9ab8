// Season length detection from the autocorrelation of the differenced series.
import { difference } from '../correlation.js';
import { autocorrelation } from '../stats.js';

/**
 * The lag (2…maxSeason) whose autocorrelation of first differences is the highest local peak,
 * if that peak is at least `threshold`; otherwise 1 (no season). Differencing first stops a
 * trend from making every lag look seasonal. At least three seasons of data are required.
 */
export function detectSeason(y: readonly number[], maxSeason = 400, threshold = 0.3): number {
  const x = difference(y);
  const maxLag = Math.min(maxSeason, Math.floor(y.length / 3));
  if (maxLag < 2) return 1;
  const acf = autocorrelation(x, maxLag + 1);
  let best = 1;
  let bestValue = threshold;
  for (let k = 2; k <= maxLag; k++) {
    const v = acf[k - 1];
    if (v >= bestValue && v > acf[k - 2] && v >= acf[k]) { best = k; bestValue = v; }
  }
  return best;
}
