// Accuracy measures: MASE (Hyndman & Koehler 2006, "Another look at measures of forecast
// accuracy", IJF 22(4)) and sMAPE as the M4 competition defines it (Makridakis et al. 2020).
import { neweyWestVariance } from '../stats.js';

/**
 * In-sample MAE of the seasonal naive forecast (lag m; lag 1 without a season): the MASE
 * denominator. With the series' own season, MASE 1 means "as good as repeating last season,
 * in-sample", whatever the product's size or smoothness. NaN when the series is shorter than m + 1.
 */
export function maseScale(train: readonly number[], season: number): number {
  const m = Math.max(1, Math.floor(season));
  let s = 0;
  for (let t = m; t < train.length; t++) s += Math.abs(train[t] - train[t - m]);
  return train.length > m ? s / (train.length - m) : Number.NaN;
}

/** Whether two values are equal up to floating-point rounding (a forecast made on the log scale and back). */
export const sameValue = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * (1 + Math.abs(a) + Math.abs(b));

/**
 * Mean |error| over the held-out points ÷ the scale. A zero scale (a history that repeats
 * exactly) makes any real error infinite, and rounding errors zero.
 */
export function mase(actual: readonly number[], forecast: readonly number[], scale: number): number {
  let s = 0;
  let exact = true;
  for (let i = 0; i < actual.length; i++) { s += Math.abs(actual[i] - forecast[i]); exact &&= sameValue(actual[i], forecast[i]); }
  const mae = s / actual.length;
  return scale > 0 ? mae / scale : exact ? 0 : Infinity;
}

/** Whether v lies in [lo, hi], up to rounding. */
export const inside = (v: number, lo: number, hi: number) => (v >= lo || sameValue(v, lo)) && (v <= hi || sameValue(v, hi));

/** Symmetric MAPE in percent, 200·|y − ŷ| / (|y| + |ŷ|), 0 where both are 0; mean over points. */
export function smape(actual: readonly number[], forecast: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i]) + Math.abs(forecast[i]);
    s += d > 0 ? (200 * Math.abs(actual[i] - forecast[i])) / d : 0;
  }
  return s / actual.length;
}

/**
 * Half-width of the 95% interval of a coverage p measured on n points, if the points were
 * independent (normal approximation to the binomial): 1.96·√(p(1 − p)/n). Points of one test
 * window move together, so the true uncertainty is larger; this is its floor.
 */
export function coverageMargin(p: number, n: number): number {
  return n > 0 && Number.isFinite(p) ? 1.96 * Math.sqrt((p * (1 - p)) / n) : Number.NaN;
}

/**
 * Half-width of the 95% interval of a coverage measured over clusters of points (a backtest's
 * origins, an evaluation's windows): cluster c has hits[c] of points[c] points inside. The
 * points of one cluster move together (one level shift puts a whole window outside), so the
 * uncertainty comes from how much the clusters' coverages differ: the coverage is the ratio
 * Σhits / Σpoints, whose variance is that of the clusters' linearised scores
 * (hits[c] − p·points[c]) / mean points (the cluster-robust variance of a ratio; Cameron &
 * Miller 2015, J. Human Resources 50), with a Newey–West variance over `lag` neighbouring
 * clusters that share points. Never below the binomial margin (`coverageMargin`), which is
 * what the clusters would give if their points were independent; that margin alone with fewer
 * than two clusters. NaN without points.
 */
export function clusteredCoverageMargin(hits: readonly number[], points: readonly number[], lag = 0): number {
  const g = points.length;
  let a = 0;
  let n = 0;
  for (let c = 0; c < g; c++) { a += hits[c]; n += points[c]; }
  const p = n > 0 ? a / n : Number.NaN;
  const binomial = coverageMargin(p, n);
  if (!(g >= 2) || !Number.isFinite(binomial)) return binomial;
  const mean = n / g;
  const scores = points.map((m, c) => (hits[c] - p * m) / mean);
  // Scaled by g / (g − 1), the usual small-sample factor for a handful of clusters.
  const clustered = 1.96 * Math.sqrt((Math.max(0, neweyWestVariance(scores, lag)) / g) * (g / (g - 1)));
  return Math.max(binomial, clustered);
}

/** Interval coverage over clusters of held-out points, with its 95% margins. */
export interface CoverageFigures {
  /** Share of held-out points inside the 80% / 95% interval (NaN without points). */
  coverage80: number;
  coverage95: number;
  /** Held-out points the coverages rest on. */
  points: number;
  /** 95% half-widths of the coverages (`clusteredCoverageMargin`). */
  margin80: number;
  margin95: number;
}

/** Coverage figures of clusters (origins, windows) c with in80[c] / in95[c] of points[c] inside. */
export function coverageFigures(in80: readonly number[], in95: readonly number[], points: readonly number[], lag = 0): CoverageFigures {
  let total = 0;
  for (const m of points) total += m;
  const share = (hits: readonly number[]) => {
    let a = 0;
    for (const x of hits) a += x;
    return total ? a / total : Number.NaN;
  };
  return {
    coverage80: share(in80), coverage95: share(in95), points: total,
    margin80: clusteredCoverageMargin(in80, points, lag), margin95: clusteredCoverageMargin(in95, points, lag),
  };
}
