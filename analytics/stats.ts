// Statistics simple-statistics does not provide: a robust slope, the autocorrelation function,
// the Newey–West long-run variance and Student's t distribution.
import { gammaln, mean, median } from 'simple-statistics';

/**
 * Theil–Sen slope: the median of the slopes of all pairs of points. Up to ~29% of the points
 * can be arbitrary outliers without moving it far, unlike least squares. O(n²) pairs, which is
 * fine for the tens of buckets a trend window holds.
 */
export function theilSenSlope(x: readonly number[], y: readonly number[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const dx = x[j] - x[i];
      if (dx !== 0) slopes.push((y[j] - y[i]) / dx);
    }
  }
  return slopes.length ? median(slopes) : 0;
}

/**
 * Long-run variance of a series d (Newey & West 1987): its autocovariances at lags 0…lag around
 * its mean, with Bartlett weights 1 − k/(lag + 1), each the usual biased estimate (divided by
 * n). Var(mean of d) ≈ this / n when d's neighbours up to `lag` apart are correlated, as the
 * rolling origins of a backtest are when they share test points.
 */
export function neweyWestVariance(d: readonly number[], lag: number): number {
  const n = d.length;
  let mu = 0;
  for (const v of d) mu += v;
  mu /= n;
  const gamma = (k: number) => { let s = 0; for (let t = k; t < n; t++) s += (d[t] - mu) * (d[t - k] - mu); return s / n; };
  let v = gamma(0);
  for (let k = 1; k <= Math.min(lag, n - 1); k++) v += 2 * (1 - k / (lag + 1)) * gamma(k);
  return v;
}

/**
 * How much serially correlated least-squares residuals inflate the OLS error variance:
 * (1 + ρ)/(1 − ρ), ρ their lag-1 autocorrelation clamped to [0, 0.95] (residuals of a fit with
 * an intercept have mean zero, so ρ = Σ eₜeₜ₋₁ / Σ eₜ²). Correlated residuals carry less
 * information than as many independent ones.
 */
export function ar1VarianceInflation(residuals: readonly number[]): number {
  const sse = residuals.reduce((s, e) => s + e * e, 0);
  let lagged = 0;
  for (let i = 1; i < residuals.length; i++) lagged += residuals[i] * residuals[i - 1];
  const rho = sse > 0 ? Math.max(0, Math.min(0.95, lagged / sse)) : 0;
  return (1 + rho) / (1 - rho);
}

/** Autocorrelation at lags 1…maxLag (the usual biased estimator: one common denominator). */
export function autocorrelation(x: readonly number[], maxLag: number): number[] {
  const mu = mean(x as number[]);
  const d = x.map((v) => v - mu);
  const denom = d.reduce((s, v) => s + v * v, 0);
  return Array.from({ length: maxLag }, (_, i) => {
    const k = i + 1;
    let s = 0;
    for (let t = k; t < d.length; t++) s += d[t] * d[t - k];
    return denom > 0 ? s / denom : 0;
  });
}

/** Regularised incomplete beta I_x(a, b) by Lentz's continued fraction (Numerical Recipes 6.4). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(gammaln(a + b) - gammaln(a) - gammaln(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The continued fraction converges fast only below the mean; use the symmetry above it.
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let f = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d; if (Math.abs(d) < tiny) d = tiny; d = 1 / d;
    c = 1 + num / c; if (Math.abs(c) < tiny) c = tiny;
    f *= d * c;
    num = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d; if (Math.abs(d) < tiny) d = tiny; d = 1 / d;
    c = 1 + num / c; if (Math.abs(c) < tiny) c = tiny;
    const delta = d * c;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-12) break;
  }
  return (front * f) / a;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom: I_{df/(df+t²)}(df/2, 1/2) tail identity. */
export function studentTCdf(t: number, df: number): number {
  if (!Number.isFinite(t)) return t > 0 ? 1 : 0;
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t > 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t with `df` degrees of freedom (bisection on `studentTCdf`). */
export function studentTQuantile(p: number, df: number): number {
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 100 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid; else hi = mid;
  }
  return (lo + hi) / 2;
}
