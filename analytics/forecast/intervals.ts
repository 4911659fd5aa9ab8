// Prediction intervals from backtest errors (split conformal prediction: Vovk, Gammerman &
// Shafer 2005; for multi-step forecasts as in Stankeviciute, Alaa & van der Schaar 2021):
// the errors a model made at the rolling origins, per horizon step, give the interval it gets.
// Errors grow with the step, so each step's errors are divided by a per-step scale (root mean
// square, made non-decreasing in the step) computed without the origins that overlap them;
// each step's quantiles are the conformal quantiles of its own scaled errors pooled with those
// of the nearest steps, as few steps as give enough errors for the 95% bounds to be
// finite-sample quantiles (all steps when the errors are few), multiplied back by the step's
// scale of all origins. Pooling only near steps keeps a different error shape at long horizons
// (a level shift is rare in one step, common in twelve). Each bound's distance from the forecast
// is then made monotone in the step (isotonic regression): quantiles of a dozen origins' errors
// are noisy from step to step, and no model here has a forecast error that narrows further ahead.
// Works on the engine's (log) scale, so an interval is wider in absolute terms where the
// forecast is higher.

import { studentTQuantile } from '../stats.js';
import { inside } from './accuracy.js';

export interface Calibration {
  /** Per-step error scale. */
  scale: number[];
  /** Per step, quantiles of the scaled errors: 10/90% (80% interval) and 2.5/97.5% (95% interval). */
  q10: number[];
  q90: number[];
  q025: number[];
  q975: number[];
  /** Errors the quantiles rest on. */
  errors: number;
}

/**
 * Scaled errors a step's quantiles rest on at least: the conformal 97.5% quantile of n values
 * is the ⌈(n+1)·0.975⌉-th, which exists (is not the largest value by default) from n = 39 on.
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
 * runs are walked from whichever end is nearer (the ranks asked for are a few from an end), so
 * no pool is copied or sorted (`heads`: scratch, a position per step).
 */
function orderStatistic(scaled: Float64Array, from: Int32Array, a: number, b: number, r: number, n: number, heads: Int32Array): number {
  const fromTop = r > n - r + 1;
  let left = fromTop ? n - r + 1 : r;
  for (let s = a; s <= b; s++) heads[s] = fromTop ? from[s + 1] - 1 : from[s];
  let v = Number.NaN;
  while (left-- > 0) {
    let pick = -1;
    for (let s = a; s <= b; s++) {
      const h = heads[s];
      if (fromTop ? h < from[s] : h >= from[s + 1]) continue;
      if (pick < 0 || (fromTop ? scaled[h] > scaled[heads[pick]] : scaled[h] < scaled[heads[pick]])) pick = s;
    }
    v = scaled[heads[pick]];
    heads[pick] += fromTop ? -1 : 1;
  }
  return v;
}

/**
 * Per-step offsets q[k]·scale[k] of one bound from the forecast, made monotone in the step by
 * isotonic regression (least squares, so a dip is averaged with its neighbours, not lifted to
 * the widest step): non-decreasing for an upper bound, non-increasing for a lower one, written
 * back as quantiles of the scaled errors. The forecast error of every model here (a level that
 * persists, a season repeated, AR errors returning to the profile) spreads no less at step k + 1
 * than at step k, but the per-step quantiles of a dozen origins' errors wander around that.
 */
function monotoneOffsets(q: number[], scale: readonly number[], upper: boolean, scratch: Scratch): void {
  const sign = upper ? 1 : -1;
  const { rms: offsets } = scratch;
  for (let k = 0; k < q.length; k++) offsets[k] = sign * q[k] * scale[k];
  pava(offsets, offsets, 0, scratch.sum, scratch.count);
  for (let k = 0; k < q.length; k++) if (scale[k] > 0) q[k] = (sign * offsets[k]) / scale[k];
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
  /** Step k's scaled errors are scaled[from[k] … from[k + 1]); its pool is scaled[from[lo[k]] … from[hi[k] + 1]). */
  scaled: Float64Array;
  from: Int32Array;
  lo: Int32Array;
  hi: Int32Array;
  /** Errors the quantiles rest on (the finite errors when every scale is zero). */
  errors: number;
}

/**
 * Each row's errors scaled by the per-step scale of the *other* rows, those whose test windows
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
  let counted = 0;
  let m = 0;
  for (let k = 0; k < horizon; k++) {
    from[k] = m;
    for (let i = 0; i < rows; i++) {
      const e = errors[i][k];
      if (!Number.isFinite(e)) continue;
      counted++;
      const sc = scales[i * horizon + k];
      if (sc > 0) scaled[m++] = e / sc;
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
  return { scale: all, scaled, from, lo, hi, errors: m || counted };
}

/**
 * Rank (1-based) of the conformal quantile of n values at level p: the ⌈(n+1)p⌉-th smallest for
 * an upper bound, the ⌊(n+1)p⌋-th for a lower one. Outside 1…n (fewer than 1/(1−p) − 1 values)
 * the conformal bound is infinite: too few errors to say where the tail ends.
 */
const rank = (n: number, p: number, upper: boolean) => (upper ? Math.ceil((n + 1) * p) : Math.floor((n + 1) * p));

/**
 * Where the conformal bound is infinite, a parametric tail instead: the normal prediction
 * bound for one more value from the n scaled errors, mean + t(p, n − 1)·sd·√(1 + 1/n) (Student's
 * t, as the sd is estimated from the same few errors), but never inside the largest (smallest)
 * error seen. Before, that error alone stood in: a bound one more error exceeds with probability
 * 1/(n + 1), whatever p. One error has no spread to go on: it stays the bound.
 */
function tail(values: Float64Array, start: number, n: number, p: number, upper: boolean): number {
  let mean = 0;
  let extreme = values[start];
  for (let j = start; j < start + n; j++) { mean += values[j]; extreme = upper ? Math.max(extreme, values[j]) : Math.min(extreme, values[j]); }
  mean /= n;
  if (n < 2) return extreme;
  let ss = 0;
  for (let j = start; j < start + n; j++) ss += (values[j] - mean) ** 2;
  const normal = mean + studentTQuantile(p, n - 1) * Math.sqrt(ss / (n - 1)) * Math.sqrt(1 + 1 / n);
  return upper ? Math.max(extreme, normal) : Math.min(extreme, normal);
}

/** Step k's quantile at level p of its pool: the n errors of steps a…b, each step's run sorted. */
function quantile(scaled: Float64Array, from: Int32Array, a: number, b: number, n: number, p: number, upper: boolean, heads: Int32Array): number {
  const r = rank(n, p, upper);
  return r >= 1 && r <= n ? orderStatistic(scaled, from, a, b, r, n, heads) : tail(scaled, from[a], n, p, upper);
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
 */
export function calibrate(errors: readonly (readonly number[])[], horizon: number, origins?: readonly number[]): Calibration {
  const { scale, scaled, from, lo, hi, errors: rested } = pools(errors, horizon, origins);
  for (let k = 0; k < horizon; k++) sortRange(scaled, from[k], from[k + 1]);
  const heads = new Int32Array(horizon);
  const q: Pick<Calibration, 'q10' | 'q90' | 'q025' | 'q975'> = { q10: [], q90: [], q025: [], q975: [] };
  for (let k = 0; k < horizon; k++) {
    const a = lo[k];
    const b = hi[k];
    const n = from[b + 1] - from[a];
    // No error at all (a series the model forecasts exactly): intervals of zero width.
    q.q10.push(n ? quantile(scaled, from, a, b, n, 0.1, false, heads) : 0);
    q.q90.push(n ? quantile(scaled, from, a, b, n, 0.9, true, heads) : 0);
    q.q025.push(n ? quantile(scaled, from, a, b, n, 0.025, false, heads) : 0);
    q.q975.push(n ? quantile(scaled, from, a, b, n, 0.975, true, heads) : 0);
  }
  const steps = Array.from(scale);
  const scratch: Scratch = { rms: new Float64Array(horizon), sum: new Float64Array(horizon), count: new Int32Array(horizon) };
  monotoneOffsets(q.q10, steps, false, scratch);
  monotoneOffsets(q.q90, steps, true, scratch);
  monotoneOffsets(q.q025, steps, false, scratch);
  monotoneOffsets(q.q975, steps, true, scratch);
  return { scale: steps, ...q, errors: rested };
}

/**
 * How many of a forecast's points (engine scale: `path` forecast, `actual` outcome, one per
 * step) lie inside the 80% and 95% intervals `calibrate(errors, horizon, origins)` gives; null
 * when there is no error to calibrate on. (Steps are tied by the monotone offsets, so every
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
  return { lo80: yhat + (c.q10[i] ?? 0) * s, hi80: yhat + (c.q90[i] ?? 0) * s, lo95: yhat + (c.q025[i] ?? 0) * s, hi95: yhat + (c.q975[i] ?? 0) * s };
}
