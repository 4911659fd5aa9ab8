// Prediction intervals from backtest errors (split conformal prediction: Vovk, Gammerman &
// Shafer 2005; for multi-step forecasts as in Stankeviciute, Alaa & van der Schaar 2021):
// the errors a model made at the rolling origins, per horizon step, give the interval it gets.
// Errors grow with the step, so each step's errors are divided by a per-step scale (root mean
// square, made non-decreasing in the step) computed without the origins that overlap them;
// each step's quantiles are the conformal quantiles of its own scaled errors pooled with those
// of the nearest steps, as few steps as give enough errors for the 95% bounds to be
// finite-sample quantiles (all steps when the errors are few), multiplied back by the step's
// scale of all origins. Pooling only near steps keeps a different error shape at long horizons
// (a level shift is rare in one step, common in twelve). Works on the engine's (log) scale, so
// an interval is wider in absolute terms where the forecast is higher.

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

/**
 * The conformal quantile of the n first (sorted) values at level p: the ⌈(n+1)p⌉-th smallest for an upper
 * bound, the ⌊(n+1)p⌋-th for a lower one; the extreme value when n is too small for that rank.
 */
function conformal(sorted: ArrayLike<number>, n: number, p: number, upper: boolean): number {
  const rank = upper ? Math.ceil((n + 1) * p) : Math.floor((n + 1) * p);
  return sorted[Math.min(n, Math.max(1, rank)) - 1];
}

/** Sorts the first n values of a in place: insertion sort for the small pools calibration sorts (a few dozen values), typed sort beyond. */
function sortPrefix(a: Float64Array, n: number): Float64Array {
  if (n > 64) return a.subarray(0, n).sort();
  for (let i = 1; i < n; i++) {
    const v = a[i];
    let j = i - 1;
    while (j >= 0 && a[j] > v) { a[j + 1] = a[j]; j--; }
    a[j + 1] = v;
  }
  return a;
}

/** Root mean squares, made non-decreasing in the step (isotonic), into out[offset …]; a step without errors takes the step before's. */
function stepScale(sum: ArrayLike<number>, count: ArrayLike<number>, out: Float64Array, offset: number, scratch: Scratch): void {
  const rms = scratch.rms;
  for (let k = 0; k < sum.length; k++) rms[k] = count[k] > 0 ? Math.sqrt(Math.max(0, sum[k]) / count[k]) : k > 0 ? rms[k - 1] : 0;
  pava(rms, out, offset, scratch.sum, scratch.count);
}

interface Scratch { rms: Float64Array; sum: Float64Array; count: Int32Array }

/**
 * Calibration from errors[row][step] (actual − forecast); NaN entries (beyond the series) are
 * skipped. `origins[row]`, when given, is where each row's forecast started: rows less than a
 * horizon apart share test points, and their errors move together.
 *
 * Each row's errors are scaled by the per-step scale of the *other* rows, those whose test
 * windows do not overlap its own (all others when no origins are given, or when none is apart):
 * a forecast's future error is not part of the scale it will be divided by, so a calibration
 * error must not be either. Scaling each error by a scale it is part of shrinks the large ones
 * (an error can be at most √n times the root mean square of n errors that include it) and gave
 * intervals that covered less than their level out of sample (normalised conformal scores need
 * a normaliser fitted apart from the scores: Papadopoulos et al. 2011; Lei et al. 2018).
 */
export function calibrate(errors: readonly (readonly number[])[], horizon: number, origins?: readonly number[]): Calibration {
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
  // Scaled errors step by step in one flat buffer (this runs for every candidate at every
  // backtest origin): step k's are scaled[from[k] … from[k + 1]).
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
  const q: Pick<Calibration, 'q10' | 'q90' | 'q025' | 'q975'> = { q10: [], q90: [], q025: [], q975: [] };
  const pool = new Float64Array(m);
  for (let k = 0; k < horizon; k++) {
    // Widen the pool step by step around k (nearer steps first) until it holds enough errors:
    // always the contiguous steps lo…hi.
    let lo = k;
    let hi = k;
    for (let d = 1; from[hi + 1] - from[lo] < MIN_POOLED && (k - d >= 0 || k + d < horizon); d++) {
      if (k - d >= 0) lo = k - d;
      if (k + d < horizon) hi = k + d;
    }
    const n = from[hi + 1] - from[lo];
    // (No closures in this loop: it runs for every step of every calibration.)
    for (let i = 0; i < n; i++) pool[i] = scaled[from[lo] + i];
    const sorted = sortPrefix(pool, n);
    // No error at all (a series the model forecasts exactly): intervals of zero width.
    q.q10.push(n ? conformal(sorted, n, 0.1, false) : 0);
    q.q90.push(n ? conformal(sorted, n, 0.9, true) : 0);
    q.q025.push(n ? conformal(sorted, n, 0.025, false) : 0);
    q.q975.push(n ? conformal(sorted, n, 0.975, true) : 0);
  }
  return { scale: Array.from(all), ...q, errors: m || counted };
}

/** Interval bounds at step k (1-based) around a point forecast, on the calibration's scale. */
export function bounds(c: Calibration, k: number, yhat: number): { lo80: number; hi80: number; lo95: number; hi95: number } {
  const i = Math.min(k, c.scale.length) - 1;
  const s = c.scale[i] ?? 0;
  return { lo80: yhat + (c.q10[i] ?? 0) * s, hi80: yhat + (c.q90[i] ?? 0) * s, lo95: yhat + (c.q025[i] ?? 0) * s, hi95: yhat + (c.q975[i] ?? 0) * s };
}
