// Prediction intervals from backtest errors (split conformal prediction: Vovk, Gammerman &
// Shafer 2005; for multi-step forecasts as in Stankeviciute, Alaa & van der Schaar 2021):
// the errors a model made at the rolling origins, per horizon step, give the interval it gets.
// Errors grow with the step, so each step's errors are divided by a per-step scale (their root
// mean square, made non-decreasing in the step), pooled across steps, and their empirical
// quantiles multiplied back by each step's scale. Works on the engine's (log) scale, so an
// interval is wider in absolute terms where the forecast is higher.

export interface Calibration {
  /** Per-step error scale. */
  scale: number[];
  /** Quantiles of the scaled errors: 10/90% (80% interval) and 2.5/97.5% (95% interval). */
  q10: number;
  q90: number;
  q025: number;
  q975: number;
  /** Errors the quantiles rest on. */
  errors: number;
}

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
function conformal(sorted: readonly number[], p: number, upper: boolean): number {
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
  const pooled: number[] = [];
  let counted = 0;
  for (const row of errors) {
    for (let k = 0; k < horizon; k++) {
      if (!Number.isFinite(row[k])) continue;
      counted++;
      if (scale[k] > 0) pooled.push(row[k] / scale[k]);
    }
  }
  // No error at all (a series the model forecasts exactly): intervals of zero width.
  if (!pooled.length) return { scale, q10: 0, q90: 0, q025: 0, q975: 0, errors: counted };
  pooled.sort((a, b) => a - b);
  return {
    scale,
    q10: conformal(pooled, 0.1, false),
    q90: conformal(pooled, 0.9, true),
    q025: conformal(pooled, 0.025, false),
    q975: conformal(pooled, 0.975, true),
    errors: pooled.length,
  };
}

/** Interval bounds at step k (1-based) around a point forecast, on the calibration's scale. */
export function bounds(c: Calibration, k: number, yhat: number): { lo80: number; hi80: number; lo95: number; hi95: number } {
  const s = c.scale[Math.min(k, c.scale.length) - 1] ?? 0;
  return { lo80: yhat + c.q10 * s, hi80: yhat + c.q90 * s, lo95: yhat + c.q025 * s, hi95: yhat + c.q975 * s };
}
