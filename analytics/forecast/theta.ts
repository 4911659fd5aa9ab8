// The Theta method (Assimakopoulos & Nikolopoulos 2000, IJF 16(4)) in the form Hyndman & Billah
// (2003, IJF 19(2)) showed it to be: simple exponential smoothing with a drift of half the
// series' linear-regression slope. Here on the seasonally adjusted series (the engine gives
// the log scale; the season comes from MSTL and is added back), as the M3/M4 "Theta" benchmark
// does with a classical decomposition.
import { decomposedModel } from './decomposed.js';

/** SES one-step SSE for smoothing α, starting at the first value. */
function sesSse(y: readonly number[], alpha: number): number {
  let level = y[0];
  let sse = 0;
  for (let t = 1; t < y.length; t++) {
    const e = y[t] - level;
    sse += e * e;
    level += alpha * e;
  }
  return sse;
}

/** Golden-section search for the SES α in [0.0001, 0.9999]: the SSE is smooth and one-dimensional. */
export function fitSesAlpha(y: readonly number[]): number {
  let a = 0.0001;
  let b = 0.9999;
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = sesSse(y, c);
  let fd = sesSse(y, d);
  for (let i = 0; i < 40; i++) {
    if (fc < fd) { b = d; d = c; fd = fc; c = b - g * (b - a); fc = sesSse(y, c); }
    else { a = c; c = d; fc = fd; d = a + g * (b - a); fd = sesSse(y, d); }
  }
  return (a + b) / 2;
}

/** OLS slope of y on 0…n−1. */
function slope(y: readonly number[]): number {
  const n = y.length;
  if (n < 2) return 0;
  const tm = (n - 1) / 2;
  let ym = 0;
  for (const v of y) ym += v;
  ym /= n;
  let sxy = 0;
  let sxx = 0;
  for (let t = 0; t < n; t++) { sxy += (t - tm) * (y[t] - ym); sxx += (t - tm) ** 2; }
  return sxy / sxx;
}

/** Theta forecasts of a non-seasonal series: SES level + (b/2)·(k − 1 + (1 − (1 − α)^n)/α). */
export function thetaPoints(y: readonly number[], horizon: number, alpha: number): number[] {
  const n = y.length;
  let level = y[0];
  for (let t = 1; t < n; t++) level += alpha * (y[t] - level);
  const half = slope(y) / 2;
  const base = (1 - (1 - alpha) ** n) / alpha;
  return Array.from({ length: horizon }, (_, i) => level + half * (i + base));
}

export const theta = decomposedModel('theta', (adjusted) => {
  const alpha = fitSesAlpha(adjusted);
  return { forecast: (history, horizon) => thetaPoints(history, horizon, alpha) };
});
