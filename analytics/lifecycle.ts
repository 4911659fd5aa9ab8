// Where a product is in its life: emerging, rising, peaking, saturating or declining, and when
// it should peak. Pure.
//
// Hype follows a bell-shaped curve (the simulator's, and the diffusion literature's: Bass 1969;
// a Gaussian bell is a parabola on the log scale), so the seasonally adjusted log level over a
// recent window is fitted with a quadratic, log T(t) = a + b·t + c·t²: its slope at the end is
// the growth now, its curvature whether growth speeds up or slows down, and when c < 0 its
// vertex t* = −b / 2c is the peak of the fitted curve. The forecast then has to agree: growth
// that the forecast does not carry on is not "rising".
import { toLogScale, type Step } from './granularity.js';
import { mstl } from './stl.js';
import { ar1VarianceInflation } from './stats.js';

export type Stage = 'emerging' | 'rising' | 'peaking' | 'saturating' | 'declining';
export const STAGES: readonly Stage[] = ['emerging', 'rising', 'peaking', 'saturating', 'declining'];

export interface Lifecycle {
  stage: Stage;
  /** Log-growth per step at the end of the history, from the fitted curve. */
  growth: number;
  /** Change of that growth per step (2c). */
  curvature: number;
  /**
   * Steps from the end of the history to the fitted peak, with an 80% interval, when the curve
   * turns down within the horizon the forecast supports (else null: no peak in sight, or
   * already past it).
   */
  peak: { steps: number; lo: number; hi: number } | null;
}

export interface LifecycleInput {
  /** Seasonally adjusted log series (oldest → newest), complete buckets only. */
  adjusted: readonly number[];
  /** Point forecasts on the same log scale and adjusted the same way, steps 1…h. */
  forecast: readonly number[];
  /** Buckets of history the curve is fitted on (a few seasons). */
  window: number;
  /** Whole history length: a product seen for under one window is young. */
  seen: number;
}

/** A change of 20% across the window is movement; less is flat (as the trend labels, docs/analytics.md). */
const MOVE = Math.log(1.2);
/** |t| beyond this makes a curvature or a growth count (≈ 95% two-sided). */
const T_CRIT = 1.96;
/** 80% two-sided normal quantile, for the peak interval. */
const Z80 = 1.2816;

interface QuadFit { b: number; c: number; cov: number[][]; sigma2: number }

/** Least-squares quadratic in t (centred on the window's end), with OLS covariance inflated for AR(1) residuals. */
function fitQuadratic(y: readonly number[]): QuadFit | null {
  const n = y.length;
  if (n < 6) return null;
  // t = 0 at the last point, so b is the slope there.
  const rows = y.map((v, i) => [1, i - (n - 1), (i - (n - 1)) ** 2]);
  const xtx = [0, 1, 2].map((r) => [0, 1, 2].map((c) => rows.reduce((s, x) => s + x[r] * x[c], 0)));
  const xty = [0, 1, 2].map((r) => rows.reduce((s, x, i) => s + x[r] * y[i], 0));
  const inv = invert3(xtx);
  if (!inv) return null;
  const beta = inv.map((row) => row.reduce((s, v, j) => s + v * xty[j], 0));
  const resid = y.map((v, i) => v - (beta[0] + beta[1] * rows[i][1] + beta[2] * rows[i][2]));
  const sse = resid.reduce((s, e) => s + e * e, 0);
  const sigma2 = (sse / (n - 3)) * ar1VarianceInflation(resid);
  return { b: beta[1], c: beta[2], cov: inv.map((row) => row.map((v) => v * sigma2)), sigma2 };
}

function invert3(m: number[][]): number[][] | null {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) return null;
  return [
    [A / det, -(b * i - c * h) / det, (b * f - c * e) / det],
    [B / det, (a * i - c * g) / det, -(a * f - c * d) / det],
    [C / det, -(a * h - b * g) / det, (a * e - b * d) / det],
  ];
}

/** The stage and time to peak of one series; null when the window holds too few points. */
export function lifecycle({ adjusted, forecast, window, seen }: LifecycleInput): Lifecycle | null {
  const recent = adjusted.slice(-window);
  const fit = fitQuadratic(recent);
  if (!fit) return null;
  const w = recent.length;
  const h = forecast.length;
  const { b, c, cov } = fit;
  const tau = MOVE / w;
  const seB = Math.sqrt(Math.max(0, cov[1][1]));
  const seC = Math.sqrt(Math.max(0, cov[2][2]));
  const growing = b > tau && b > T_CRIT * seB;
  const falling = b < -tau && -b > T_CRIT * seB;
  const accelerating = c > 0 && c > T_CRIT * seC;
  const slowing = c < 0 && -c > T_CRIT * seC;

  // What the forecast says: mean forecast against the mean of the last h buckets of history.
  const last = adjusted.slice(-Math.min(h, adjusted.length));
  const mean = (xs: readonly number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
  const ahead = h ? mean(forecast) - mean(last) : 0;
  const forecastUp = ahead > (MOVE * h) / w / 2;
  const forecastDown = ahead < -(MOVE * h) / w / 2;

  // The fitted peak, t* = −b / 2c steps ahead, with a delta-method 80% interval; dated only
  // when it lies ahead and the forecast horizon reaches the start of its interval.
  let peak: Lifecycle['peak'] = null;
  let peakNear = false;
  if (slowing) {
    const t = -b / (2 * c);
    // ∂t*/∂b = −1/2c, ∂t*/∂c = b/2c².
    const gb = -1 / (2 * c);
    const gc = b / (2 * c * c);
    const se = Math.sqrt(Math.max(0, gb * gb * cov[1][1] + gc * gc * cov[2][2] + 2 * gb * gc * cov[1][2]));
    // At the top: the fitted peak is in the last quarter of the window or within the horizon.
    peakNear = t >= -w / 4 && t - Z80 * se <= h;
    if (t > 0 && t - Z80 * se <= h) peak = { steps: t, lo: Math.max(0, t - Z80 * se), hi: t + Z80 * se };
  }

  let stage: Stage;
  if (falling && !forecastUp) stage = 'declining';
  else if (peakNear || (growing && forecastDown)) stage = 'peaking';
  else if (growing && (accelerating || seen < 2 * window)) stage = 'emerging';
  else if (growing && (forecastUp || !slowing)) stage = 'rising';
  else stage = 'saturating';
  return { stage, growth: b, curvature: 2 * c, peak: stage === 'declining' ? null : peak };
}

/** Buckets the curve is fitted on, per step: three days, four weeks, half a year, two years. */
export const LIFECYCLE_WINDOW: Record<Step, number> = { hour: 72, day: 28, week: 26, month: 24 };

/**
 * The lifecycle of a series at its step from its values, its seasonal periods and its forecast
 * points: both are put on the log scale and seasonally adjusted with the series' own MSTL
 * (the forecast by the last cycle of each seasonal component).
 */
export function lifecycleOf(values: readonly number[], periods: readonly number[], forecast: readonly number[], step: Step): Lifecycle | null {
  const { values: z, kind } = toLogScale(values);
  const usable = periods.filter((p) => z.length >= 2 * p);
  const d = mstl(z, usable);
  const n = z.length;
  const seasonAt = (t: number) => usable.reduce((s, p, j) => s + d.seasonal[j][t < n ? t : n - p + ((t - n) % p)], 0);
  const adjusted = z.map((v, t) => v - seasonAt(t));
  const toLog = (v: number) => (kind === 'log' ? Math.log(Math.max(v, Number.MIN_VALUE)) : kind === 'log1p' ? Math.log1p(Math.max(0, v)) : v);
  return lifecycle({ adjusted, forecast: forecast.map((v, k) => toLog(v) - seasonAt(n + k)), window: LIFECYCLE_WINDOW[step], seen: n });
}
