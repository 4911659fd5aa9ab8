// Prediction intervals from backtest errors (split conformal prediction: Vovk, Gammerman &
// Shafer 2005; for multi-step forecasts as in Stankeviciute, Alaa & van der Schaar 2021):
// the errors a model made at the rolling origins, per horizon step, give the interval it gets.
// Errors grow with the step, so each step's errors are divided by a per-step scale (root mean
// square, made non-decreasing in the step) computed without the origins that overlap them;
// each step's half-widths are the conformal quantiles of its own absolute scaled errors pooled
// with those of the nearest steps, as few steps as give enough errors for the 95% bound to lie
// inside them (all steps when the errors are few), multiplied back by the step's scale of all
// origins. Pooling only near steps keeps a different error shape at long horizons (a level
// shift is rare in one step, common in twelve). The half-widths are then made monotone in the
// step (isotonic regression): quantiles of a dozen origins' errors are noisy from step to step,
// and no model here has a forecast error that narrows further ahead. The score is the absolute
// error (symmetric bands, the usual split-conformal score): a dozen overlapping origins share
// one bias, which the next forecast need not have (see `calibrate`). Works on the engine's (log)
// scale, so an interval is wider in absolute terms where the forecast is higher.

import { studentTQuantile } from '../stats.js';
import { inside } from './accuracy.js';

export interface Calibration {
  /** Per-step error scale. */
  scale: number[];
  /** Per step, the 80% and 95% conformal quantiles of the absolute scaled errors: each interval's half-width over the step's scale. */
  q80: number[];
  q95: number[];
  /** Errors the quantiles rest on. */
  errors: number;
}

/**
 * Scaled errors a step's quantiles rest on at least. The conformal 95% quantile of n absolute
 * errors, the ⌈(n+1)·0.95⌉-th, exists from n = 19 on, but there it is the pool's largest error;
 * from 39 on it is the second largest or further in. Pools of 19 gave 95% bands that covered
 * 97.7% of the real development sets' held-out points (docs/analytics.md).
 */
export const MIN_POOLED = 39;

/** Pool-adjacent-violators: the closest non-decreasing sequence to v (least squares), written to `out`. */
function pava(v: ArrayLike<number>, out: Float64Array, offset = 0, sum: Float64Array = new Float64Array(v.length), count: Int32Array = new Int32Array(v.length)): void {
  const n = v.length;
  // Blocks as (sum, count) on a stack, in typed scratch the caller may reuse: calibration runs this once per backtest origin.
  let b = 0;
  for (let i = 0; i < n; i++) {
    sum[b] = v[i];
    count[b] = 1;
    b++;
    while (b > 1 && sum[b - 2] / count[b - 2] > sum[b - 1] / count[b - 1]) {
      sum[b - 2] += sum[b - 1];
      count[b - 2] += count[b - 1];
      b--;
    }
  }
  let k = offset;
  for (let j = 0; j < b; j++) { const mean = sum[j] / count[j]; for (let c = 0; c < count[j]; c++) out[k++] = mean; }
}

/** Pool-adjacent-violators: the closest non-decreasing sequence (least squares). */
export function isotonic(v: readonly number[]): number[] {
  const out = new Float64Array(v.length);
  pava(v, out);
  return Array.from(out);
}

/** Sorts a[start … end) in place: insertion sort, as each step holds only a dozen or so errors (one per origin); typed sort beyond. */
function sortRange(a: Float64Array, start: number, end: number): void {
  if (end - start > 64) { a.subarray(start, end).sort(); return; }
  for (let i = start + 1; i < end; i++) {
    const v = a[i];
    let j = i - 1;
    while (j >= start && a[j] > v) { a[j + 1] = a[j]; j--; }
    a[j + 1] = v;
  }
}

/**
 * The r-th smallest (1-based) of the pool of steps a…b, each step's run of `scaled` sorted: the
 * runs are walked down from their largest values (the ranks asked for, 80% and 95%, are a few
 * from the top), so no pool is copied or sorted (`heads`: scratch, a position per step).
 */
function orderStatistic(scaled: Float64Array, from: Int32Array, a: number, b: number, r: number, n: number, heads: Int32Array): number {
  for (let s = a; s <= b; s++) heads[s] = from[s + 1] - 1;
  let v = Number.NaN;
  for (let left = n - r + 1; left > 0; left--) {
    let pick = -1;
    for (let s = a; s <= b; s++) {
      const h = heads[s];
      if (h >= from[s] && (pick < 0 || scaled[h] > scaled[heads[pick]])) pick = s;
    }
    v = scaled[heads[pick]];
    heads[pick]--;
  }
  return v;
}

/**
 * Per-step half-widths q[k]·scale[k], made non-decreasing in the step by isotonic regression
 * (least squares, so a dip is averaged with its neighbours, not lifted to the widest step),
 * written back as quantiles of the scaled errors. The forecast error of every model here (a
 * level that persists, a season repeated, AR errors returning to the profile) spreads no less at
 * step k + 1 than at step k, but the per-step quantiles of a dozen origins' errors wander around that.
 */
function monotoneWidths(q: number[], scale: readonly number[], scratch: Scratch): void {
  const { rms: widths } = scratch;
  for (let k = 0; k < q.length; k++) widths[k] = q[k] * scale[k];
  pava(widths, widths, 0, scratch.sum, scratch.count);
  for (let k = 0; k < q.length; k++) if (scale[k] > 0) q[k] = widths[k] / scale[k];
}

/**
 * How far beyond the largest absolute error of a step's pool (or of any nearer step's) a
 * half-width may reach. The next error can be the largest yet, and on hype curves, whose
 * origins share a bias, the bands need to reach past every error seen: capped at the largest
 * error itself (1×) the engine test's hype curves' backtest 95% coverage fell from 94.8% to
 * 91.2%; at 1.5× it stays, and so did the app's products' (docs/analytics.md).
 */
export const LARGEST_ERROR_REACH = 1.5;

/**
 * No half-width beyond LARGEST_ERROR_REACH × the largest absolute error the backtest made at the
 * step's pool of steps or any nearer step (a running maximum, so the widths stay non-decreasing).
 * Scaling each row by the other rows' scale and multiplying back by all rows' scale counts a
 * cluster of large errors twice: when the last few origins' windows (which overlap one another)
 * end in a jump, their errors are divided by the small scale of the earlier origins (scores of
 * 10–20) and multiplied by a scale those same errors raised, and a 95% band spanned five orders
 * of magnitude around a forecast whose backtest erred by a factor of 6 at most. The normalised
 * score shapes the widths across steps; the errors the backtest measured bound them. Where the
 * pool is too small for a finite conformal bound (the Student-t tail), the tail stands.
 */
function capWidths(q80: number[], q95: number[], scale: readonly number[], largest: Float64Array, lo: Int32Array, hi: Int32Array, pooled: readonly number[]): void {
  let cap = 0;
  for (let k = 0; k < scale.length; k++) {
    for (let j = lo[k]; j <= hi[k]; j++) cap = Math.max(cap, largest[j]);
    if (!(scale[k] > 0)) continue;
    const most = (LARGEST_ERROR_REACH * cap) / scale[k];
    // A finite conformal bound at level p needs n ≥ p / (1 − p) errors: 4 for 80%, 19 for 95%.
    // Where the cap cuts the 80% band too, it keeps its width relative to the 95% band's: cut to
    // the same bound, the two bands were one, an "80%" interval claiming what the 95% one does.
    const inner = q95[k] > 0 ? Math.min(1, q80[k] / q95[k]) : 1;
    if (pooled[k] >= 19) q95[k] = Math.min(q95[k], most);
    if (pooled[k] >= 4 && q80[k] > most) q80[k] = pooled[k] >= 19 ? inner * q95[k] : most;
  }
}

/** Root mean squares, made non-decreasing in the step (isotonic), into out[offset …]; a step without errors takes the step before's. */
function stepScale(sum: ArrayLike<number>, count: ArrayLike<number>, out: Float64Array, offset: number, scratch: Scratch): void {
  const rms = scratch.rms;
  for (let k = 0; k < sum.length; k++) rms[k] = count[k] > 0 ? Math.sqrt(Math.max(0, sum[k]) / count[k]) : k > 0 ? rms[k - 1] : 0;
  pava(rms, out, offset, scratch.sum, scratch.count);
}

interface Scratch { rms: Float64Array; sum: Float64Array; count: Int32Array }

/** Scaled errors, step by step in one flat buffer, and the steps each step's quantiles pool. */
interface Pools {
  /** Per-step scale of all rows. */
  scale: Float64Array;
  /** Step k's absolute scaled errors are scaled[from[k] … from[k + 1]); its pool is scaled[from[lo[k]] … from[hi[k] + 1]). */
  scaled: Float64Array;
  from: Int32Array;
  lo: Int32Array;
  hi: Int32Array;
  /** Errors the quantiles rest on (the finite errors when every scale is zero). */
  errors: number;
  /** Per step, the largest absolute (unscaled) error of any row at that step. */
  largest: Float64Array;
}

/**
 * Each row's absolute errors scaled by the per-step scale of the *other* rows, those whose test windows
 * do not overlap its own (all others when no origins are given, or when none is apart), and
 * each step's pool: its own scaled errors and the nearest steps' (k±1, k±2, …) until it holds
 * MIN_POOLED errors. What `calibrate` takes quantiles of and `heldOut` counts in.
 */
function pools(errors: readonly (readonly number[])[], horizon: number, origins?: readonly number[]): Pools {
  const rows = errors.length;
  // Per step, the sum of squares and the count of all rows; a row's own scale subtracts the rows near it.
  const sum = new Float64Array(horizon);
  const count = new Float64Array(horizon);
  for (const row of errors) for (let k = 0; k < horizon; k++) { const e = row[k]; if (Number.isFinite(e)) { sum[k] += e * e; count[k]++; } }
  const scratch: Scratch = { rms: new Float64Array(horizon), sum: new Float64Array(horizon), count: new Int32Array(horizon) };
  const all = new Float64Array(horizon);
  stepScale(sum, count, all, 0, scratch);
  const near = (i: number, j: number) => (origins ? Math.abs(origins[i] - origins[j]) < horizon : i === j);
  // Row i's scale at step k is scales[i·horizon + k].
  const scales = new Float64Array(rows * horizon);
  const rowSum = new Float64Array(horizon);
  const rowCount = new Float64Array(horizon);
  for (let i = 0; i < rows; i++) {
    rowSum.set(sum);
    rowCount.set(count);
    let nearRows = 0;
    for (let j = 0; j < rows; j++) {
      if (!near(i, j)) continue;
      nearRows++;
      for (let k = 0; k < horizon; k++) { const e = errors[j][k]; if (Number.isFinite(e)) { rowSum[k] -= e * e; rowCount[k]--; } }
    }
    if (nearRows < rows) stepScale(rowSum, rowCount, scales, i * horizon, scratch);
    else scales.set(all, i * horizon);
  }
  // (This runs for every candidate at every backtest origin: flat typed buffers, no closures per step.)
  const scaled = new Float64Array(rows * horizon);
  const from = new Int32Array(horizon + 1);
  const largest = new Float64Array(horizon);
  let counted = 0;
  let m = 0;
  for (let k = 0; k < horizon; k++) {
    from[k] = m;
    for (let i = 0; i < rows; i++) {
      const e = errors[i][k];
      if (!Number.isFinite(e)) continue;
      counted++;
      largest[k] = Math.max(largest[k], Math.abs(e));
      const sc = scales[i * horizon + k];
      if (sc > 0) scaled[m++] = Math.abs(e) / sc;
    }
  }
  from[horizon] = m;
  const lo = new Int32Array(horizon);
  const hi = new Int32Array(horizon);
  for (let k = 0; k < horizon; k++) {
    // Widen the pool step by step around k (nearer steps first) until it holds enough errors:
    // always the contiguous steps lo…hi.
    let a = k;
    let b = k;
    for (let d = 1; from[b + 1] - from[a] < MIN_POOLED && (k - d >= 0 || k + d < horizon); d++) {
      if (k - d >= 0) a = k - d;
      if (k + d < horizon) b = k + d;
    }
    lo[k] = a;
    hi[k] = b;
  }
  return { scale: all, scaled, from, lo, hi, errors: m || counted, largest };
}

/**
 * Where the conformal bound is infinite, a parametric tail instead: the normal prediction bound
 * for the size of one more zero-mean error from the n absolute scaled errors,
 * t((1 + p)/2, n)·rms·√(1 + 1/n) (Student's t, as the spread is estimated from the same few
 * errors; n degrees of freedom, the mean being zero), but never inside the largest error seen.
 * Before, that error alone stood in: a bound one more error exceeds with probability 1/(n + 1),
 * whatever p.
 */
function tail(values: Float64Array, start: number, n: number, p: number): number {
  let ss = 0;
  let largest = 0;
  for (let j = start; j < start + n; j++) { ss += values[j] ** 2; largest = Math.max(largest, values[j]); }
  return Math.max(largest, studentTQuantile((1 + p) / 2, n) * Math.sqrt(ss / n) * Math.sqrt(1 + 1 / n));
}

/**
 * Step k's half-width at level p: the conformal quantile of its pool (the n absolute errors of
 * steps a…b, each step's run sorted), the ⌈(n+1)p⌉-th smallest; beyond n (fewer than
 * 1/(1−p) − 1 errors) the conformal bound is infinite and the parametric tail stands in.
 */
function quantile(scaled: Float64Array, from: Int32Array, a: number, b: number, n: number, p: number, heads: Int32Array): number {
  const r = Math.ceil((n + 1) * p);
  return r <= n ? orderStatistic(scaled, from, a, b, r, n, heads) : tail(scaled, from[a], n, p);
}

/**
 * Calibration from errors[row][step] (actual − forecast); NaN entries (beyond the series) are
 * skipped. `origins[row]`, when given, is where each row's forecast started: rows less than a
 * horizon apart share test points, and their errors move together.
 *
 * Each row's errors are scaled by the per-step scale of the *other* rows (`pools`): a
 * forecast's future error is not part of the scale it will be divided by, so a calibration
 * error must not be either. Scaling each error by a scale it is part of shrinks the large ones
 * (an error can be at most √n times the root mean square of n errors that include it) and gave
 * intervals that covered less than their level out of sample (normalised conformal scores need
 * a normaliser fitted apart from the scores: Papadopoulos et al. 2011; Lei et al. 2018).
 *
 * The bands are symmetric: quantiles of |error| (Lei et al. 2018's split-conformal score), not
 * the 10/90% and 2.5/97.5% quantiles of the signed errors as before 2 December 2026. The origins
 * of one backtest are a dozen overlapping windows of one stretch of the series and share its
 * bias: on a growing product every origin under-forecast, the signed 10% quantile was above
 * zero, and the 80% band began at the forecast; when the growth slowed the truth fell below it.
 * Signed quantiles estimate that bias from windows the next forecast is not in; on the app's
 * simulated products they covered 70.6% / 81.2% of the backtest's points, absolute ones 83.7% /
 * 94.4% (docs/analytics.md).
 */
export function calibrate(errors: readonly (readonly number[])[], horizon: number, origins?: readonly number[]): Calibration {
  const { scale, scaled, from, lo, hi, errors: rested, largest } = pools(errors, horizon, origins);
  for (let k = 0; k < horizon; k++) sortRange(scaled, from[k], from[k + 1]);
  const heads = new Int32Array(horizon);
  const q80: number[] = [];
  const q95: number[] = [];
  const pooled: number[] = [];
  for (let k = 0; k < horizon; k++) {
    const a = lo[k];
    const b = hi[k];
    const n = from[b + 1] - from[a];
    pooled.push(n);
    // No error at all (a series the model forecasts exactly): intervals of zero width.
    q80.push(n ? quantile(scaled, from, a, b, n, 0.8, heads) : 0);
    q95.push(n ? quantile(scaled, from, a, b, n, 0.95, heads) : 0);
  }
  const steps = Array.from(scale);
  const scratch: Scratch = { rms: new Float64Array(horizon), sum: new Float64Array(horizon), count: new Int32Array(horizon) };
  monotoneWidths(q80, steps, scratch);
  monotoneWidths(q95, steps, scratch);
  capWidths(q80, q95, steps, largest, lo, hi, pooled);
  return { scale: steps, q80, q95, errors: rested };
}

/**
 * How many of a forecast's points (engine scale: `path` forecast, `actual` outcome, one per
 * step) lie inside the 80% and 95% intervals `calibrate(errors, horizon, origins)` gives; null
 * when there is no error to calibrate on. (Steps are tied by the monotone widths, so every
 * step's quantiles are needed: this is `calibrate` and `bounds`, not a count per step.)
 */
export function heldOut(errors: readonly (readonly number[])[], horizon: number, origins: readonly number[] | undefined, path: readonly number[], actual: readonly number[]): { in80: number; in95: number; points: number } | null {
  const c = calibrate(errors, horizon, origins);
  if (!c.errors) return null;
  let in80 = 0;
  let in95 = 0;
  for (let k = 0; k < path.length; k++) {
    const b = bounds(c, k + 1, path[k]);
    if (inside(actual[k], b.lo80, b.hi80)) in80++;
    if (inside(actual[k], b.lo95, b.hi95)) in95++;
  }
  return { in80, in95, points: path.length };
}

/** Interval bounds at step k (1-based) around a point forecast, on the calibration's scale. */
export function bounds(c: Calibration, k: number, yhat: number): { lo80: number; hi80: number; lo95: number; hi95: number } {
  const i = Math.min(k, c.scale.length) - 1;
  const s = c.scale[i] ?? 0;
  const w80 = (c.q80[i] ?? 0) * s;
  const w95 = (c.q95[i] ?? 0) * s;
  return { lo80: yhat - w80, hi80: yhat + w80, lo95: yhat - w95, hi95: yhat + w95 };
}
