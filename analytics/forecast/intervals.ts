// Prediction intervals from backtest errors (split conformal prediction: Vovk, Gammerman &
// Shafer 2005; for multi-step forecasts as in Stankeviciute, Alaa & van der Schaar 2021):
// the errors a model made at the rolling origins, per horizon step, give the interval it gets.
// Errors grow with the step, so each step's errors are divided by a per-step scale (their root
// mean square, made non-decreasing in the step); each step's quantiles are the conformal
// quantiles of its own scaled errors pooled with those of the nearest steps, as few steps as
// give enough errors for the 95% bounds to be finite-sample quantiles (all steps when the
// errors are few), multiplied back by the step's scale. Pooling only near steps keeps a
// different error shape at long horizons (a level shift is rare in one step, common in twelve). Works on the engine's (log) scale, so an
// interval is wider in absolute terms where the forecast is higher.

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

/** Pool-adjacent-violators: the closest non-decreasing sequence (least squares). */
export function isotonic(v: readonly number[]): number[] {
  const blocks: { sum: number; n: number }[] = [];
  for (const x of v) {
    blocks.push({ sum: x, n: 1 });
    while (blocks.length > 1 && blocks[blocks.length - 2].sum / blocks[blocks.length - 2].n > blocks[blocks.length - 1].sum / blocks[blocks.length - 1].n) {
      const b = blocks.pop()!;
      blocks[blocks.length - 1].sum += b.sum;
      blocks[blocks.length - 1].n += b.n;
    }
  }
  return blocks.flatMap((b) => Array<number>(b.n).fill(b.sum / b.n));
}

/**
 * The conformal quantile of sorted values at level p: the ⌈(n+1)p⌉-th smallest for an upper
 * bound, the ⌊(n+1)p⌋-th for a lower one; the extreme value when n is too small for that rank.
 */
function conformal(sorted: ArrayLike<number>, p: number, upper: boolean): number {
  const n = sorted.length;
  const rank = upper ? Math.ceil((n + 1) * p) : Math.floor((n + 1) * p);
  return sorted[Math.min(n, Math.max(1, rank)) - 1];
}

/** Calibration from errors[origin][step] (actual − forecast); NaN entries (beyond the series) are skipped. */
export function calibrate(errors: readonly (readonly number[])[], horizon: number): Calibration {
  const rms = Array.from({ length: horizon }, (_, k) => {
    let s = 0;
    let c = 0;
    for (const row of errors) if (Number.isFinite(row[k])) { s += row[k] * row[k]; c++; }
    return c ? Math.sqrt(s / c) : Number.NaN;
  });
  // A step without errors takes the scale of the nearest step before it that has some.
  for (let k = 0; k < horizon; k++) if (!Number.isFinite(rms[k])) rms[k] = k > 0 ? rms[k - 1] : 0;
  const scale = isotonic(rms);
  const byStep: number[][] = Array.from({ length: horizon }, () => []);
  let counted = 0;
  for (const row of errors) {
    for (let k = 0; k < horizon; k++) {
      if (!Number.isFinite(row[k])) continue;
      counted++;
      if (scale[k] > 0) byStep[k].push(row[k] / scale[k]);
    }
  }
  const scaled = byStep.reduce((sum, e) => sum + e.length, 0);
  const q: Pick<Calibration, 'q10' | 'q90' | 'q025' | 'q975'> = { q10: [], q90: [], q025: [], q975: [] };
  // One buffer for every step's pool (typed arrays sort numerically without a comparator: this
  // runs for every candidate at every backtest origin).
  const buffer = new Float64Array(scaled);
  for (let k = 0; k < horizon; k++) {
    // Widen the pool step by step around k (nearer steps first) until it holds enough errors.
    let n = 0;
    const take = (j: number) => { for (const v of byStep[j]) buffer[n++] = v; };
    take(k);
    for (let d = 1; n < MIN_POOLED && (k - d >= 0 || k + d < horizon); d++) {
      if (k - d >= 0) take(k - d);
      if (k + d < horizon) take(k + d);
    }
    const pool = buffer.subarray(0, n).sort();
    // No error at all (a series the model forecasts exactly): intervals of zero width.
    q.q10.push(n ? conformal(pool, 0.1, false) : 0);
    q.q90.push(n ? conformal(pool, 0.9, true) : 0);
    q.q025.push(n ? conformal(pool, 0.025, false) : 0);
    q.q975.push(n ? conformal(pool, 0.975, true) : 0);
  }
  return { scale, ...q, errors: scaled || counted };
}

/** Interval bounds at step k (1-based) around a point forecast, on the calibration's scale. */
export function bounds(c: Calibration, k: number, yhat: number): { lo80: number; hi80: number; lo95: number; hi95: number } {
  const i = Math.min(k, c.scale.length) - 1;
  const s = c.scale[i] ?? 0;
  return { lo80: yhat + (c.q10[i] ?? 0) * s, hi80: yhat + (c.q90[i] ?? 0) * s, lo95: yhat + (c.q025[i] ?? 0) * s, hi95: yhat + (c.q975[i] ?? 0) * s };
}
