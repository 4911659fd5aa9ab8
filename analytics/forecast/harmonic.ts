// Dynamic harmonic regression (Hyndman & Athanasopoulos, Forecasting: Principles and Practice,
// 3rd ed., §10.5 and §12.1): the log series regressed on a linear trend, one mean per position
// of the primary cycle (a week of daily data: any shape, a weekend step included) and Fourier
// terms for the year, which is too long and not a whole number of steps (365.25 days) for a
// seasonal model to repeat; the regression's errors are an AR(p) process (Yule–Walker, p by AIC),
// so a forecast starts from where the series is now and returns to the seasonal profile as the
// autocorrelation decays — a hot week is not forecast to last forever, as a level model would.
// The number of yearly harmonics is chosen by AICc. Fitted in two steps (OLS, then AR on its
// residuals), as Cochrane & Orcutt (1949); exact maximum likelihood would change little at
// these lengths.
import { fitAutoregression } from '../autoregression.js';
import type { FittedModel, ForecastModel, SeriesContext } from './types.js';

export const HARMONIC = {
  /** Years of the most recent points regressed on: the profile of the current regime. */
  years: 3,
  /** Yearly harmonics tried (pairs of sine/cosine columns); 0 leaves the year out. */
  harmonics: [0, 2, 4, 6, 8, 10],
  /** Cycles of the year needed before its harmonics are tried. */
  minYears: 2,
  /** Highest AR order of the errors. */
  maxOrder: 14,
} as const;

interface Design {
  /** Regressor values at absolute time t (index in the series). */
  row(t: number): number[];
}

function design(period: number, annual: number | undefined, harmonics: number, origin: number): Design {
  const m = Math.max(1, Math.round(period));
  const perYear = annual ?? 365;
  return {
    row(t) {
      const r = [1, (t - origin) / perYear];
      // Positions 1…m−1 of the cycle (position 0 is in the intercept).
      for (let j = 1; j < m; j++) r.push(((t % m) + m) % m === j ? 1 : 0);
      for (let k = 1; k <= harmonics && annual; k++) {
        const w = (2 * Math.PI * k * t) / annual;
        r.push(Math.cos(w), Math.sin(w));
      }
      return r;
    },
  };
}

interface RegressionFit {
  beta: number[];
  residuals: number[];
}

/** Solves the symmetric positive-definite system A·x = b by Cholesky; null when A is singular. */
function solveSpd(a: number[][], b: number[]): number[] | null {
  const k = b.length;
  const l = a.map(() => new Array<number>(k).fill(0));
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i][j];
      for (let q = 0; q < j; q++) s -= l[i][q] * l[j][q];
      if (i === j) {
        if (!(s > 1e-10 * Math.max(1, a[i][i]))) return null;
        l[i][i] = Math.sqrt(s);
      } else l[i][j] = s / l[j][j];
    }
  }
  const w = new Array<number>(k).fill(0);
  for (let i = 0; i < k; i++) { let s = b[i]; for (let q = 0; q < i; q++) s -= l[i][q] * w[q]; w[i] = s / l[i][i]; }
  const x = new Array<number>(k).fill(0);
  for (let i = k - 1; i >= 0; i--) { let s = w[i]; for (let q = i + 1; q < k; q++) s -= l[q][i] * x[q]; x[i] = s / l[i][i]; }
  return x;
}

/** OLS by the normal equations (a few dozen columns at most, so X'X is small and well scaled). */
function regress(z: readonly number[], start: number, d: Design): RegressionFit | null {
  const rows = z.map((_, i) => d.row(start + i));
  const n = rows.length;
  const k = rows[0]?.length ?? 0;
  if (n <= k + 2) return null;
  const xtx = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const xtz = new Array<number>(k).fill(0);
  rows.forEach((r, t) => {
    for (let i = 0; i < k; i++) {
      if (r[i] === 0) continue;
      xtz[i] += r[i] * z[t];
      for (let j = 0; j <= i; j++) xtx[i][j] += r[i] * r[j];
    }
  });
  for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) xtx[j][i] = xtx[i][j];
  const beta = solveSpd(xtx, xtz);
  if (!beta) return null;
  const residuals = z.map((v, t) => v - rows[t].reduce((s, x, j) => s + x * beta[j], 0));
  return { beta, residuals };
}

interface HarmonicFit {
  d: Design;
  beta: number[];
  phi: number[];
}

/**
 * The regression over the last `HARMONIC.years` of `train` (positions of `period` and, from two
 * years of data, yearly harmonics), the number of harmonics by the AICc of the whole model, AR
 * errors included: an AICc of the regression alone would read autocorrelated errors as signal
 * and take them all. Null when there are too few points for any regression.
 */
/** Where the regression's window of the last `HARMONIC.years` begins in a series of n points. */
const windowStart = (n: number, annual: number) => Math.max(0, n - Math.floor(HARMONIC.years * annual));

function fitHarmonic(train: readonly number[], period: number, annual: number): HarmonicFit | null {
  const start = windowStart(train.length, annual);
  const z = train.slice(start);
  const yearly = z.length >= HARMONIC.minYears * annual ? annual : undefined;
  const maxOrder = Math.min(HARMONIC.maxOrder, Math.floor(z.length / 10));
  let best: (HarmonicFit & { aicc: number }) | null = null;
  for (const k of yearly ? HARMONIC.harmonics : [0]) {
    const d = design(period, yearly, k, train.length);
    const fit = regress(z, start, d);
    if (!fit) continue;
    const ar = fitAutoregression(fit.residuals, maxOrder);
    const n = z.length;
    const params = fit.beta.length + ar.coefficients.length + 1;
    const aicc = ar.variance > 0 && n - params - 1 > 0 ? n * Math.log(ar.variance) + 2 * params + (2 * params * (params + 1)) / (n - params - 1) : -Infinity;
    if (!best || aicc < best.aicc) best = { d, beta: fit.beta, phi: ar.coefficients, aicc };
  }
  return best;
}

/**
 * Fits per series context (one series' forecast) and prefix length: harmonic regression and the
 * ETS of its adjusted series fit the same regression on the same prefix, once. A context serves
 * prefixes of one series only (`seriesContext`), so its length and the season name the prefix.
 */
const fits = new WeakMap<SeriesContext, Map<string, HarmonicFit | null>>();

function sharedFit(train: readonly number[], ctx: SeriesContext, period: number, annual: number): HarmonicFit | null {
  let byPrefix = fits.get(ctx);
  if (!byPrefix) fits.set(ctx, (byPrefix = new Map()));
  const key = `${train.length}:${period}:${annual}`;
  if (!byPrefix.has(key)) byPrefix.set(key, fitHarmonic(train, period, annual));
  return byPrefix.get(key)!;
}

const regressionAt = (d: Design, beta: readonly number[], t: number, from = 0) => d.row(t).reduce((s, x, j) => (j < from ? s : s + x * beta[j]), 0);

/**
 * Harmonic regression with AR errors and yearly Fourier terms (`annual`: the year in steps),
 * the terms once the training data covers two years. With `profile`, one mean per position of
 * the primary period of `ctx` too (the weekday of daily data); without, the year's harmonics are
 * the only season (weekly data, whose year of 52.18 weeks no whole-number season repeats).
 */
export function harmonicRegression(annual: number, profile: boolean): ForecastModel {
  return {
    name: 'harmonic',
    fit(train, ctx): FittedModel {
      const best = sharedFit(train, ctx, profile ? ctx.periods[0] ?? 1 : 1, annual);
      if (!best) {
        // Too few points for the regression: the mean of the series, as a plain level.
        const mean = train.reduce((s, v) => s + v, 0) / Math.max(1, train.length);
        return { forecast: (_h, horizon) => new Array<number>(horizon).fill(mean) };
      }
      const { d, beta, phi } = best;
      const level = (t: number) => regressionAt(d, beta, t);
      return {
        forecast(history, horizon) {
          const n = history.length;
          // The errors' recent past, then their AR forecast (the history starts where the training data did).
          const e: number[] = [];
          for (let t = Math.max(0, n - phi.length); t < n; t++) e.push(history[t] - level(t));
          const out: number[] = [];
          for (let k = 0; k < horizon; k++) {
            let next = 0;
            for (let i = 0; i < phi.length; i++) next += phi[i] * (e[e.length - 1 - i] ?? 0);
            e.push(next);
            out.push(level(n + k) + next);
          }
          return out;
        },
      };
    },
  };
}

/**
 * Exponential smoothing of the series less the regression's seasonal part (weekday means and
 * yearly harmonics; intercept and trend left in): the seasonal adjustment of a daily or weekly
 * series with a year that no repeated season holds (Hyndman & Athanasopoulos, FPP3 §12.1, STL
 * or Fourier terms for the annual cycle, then a non-seasonal model of the adjusted series). Where
 * harmonic regression returns an anomaly to the seasonal profile as the AR errors decay, this
 * carries the current anomaly forward as a level and follows the profile's slope from it: a warm
 * autumn stays warmer than usual while cooling as autumns do.
 */
export function harmonicAdjusted(annual: number, profile: boolean, fitAdjusted: (adjusted: number[], warm?: unknown) => FittedModel): ForecastModel {
  return {
    name: 'harmonic-ets',
    fit(train, ctx, warm): FittedModel {
      const best = sharedFit(train, ctx, profile ? ctx.periods[0] ?? 1 : 1, annual);
      const season = (t: number) => (best ? regressionAt(best.d, best.beta, t, 2) : 0);
      // Smoothed from where the regression's window begins: before it the season is the
      // regression's extrapolation backwards, and a long history would only cost time.
      const start = windowStart(train.length, annual);
      const adjust = (history: readonly number[]) => history.slice(start).map((v, i) => v - season(start + i));
      const inner = fitAdjusted(adjust(train), warm);
      return {
        forecast(history, horizon) {
          const n = history.length;
          return inner.forecast(adjust(history), horizon).map((v, k) => v + season(n + k));
        },
        warm: inner.warm,
      };
    },
  };
}
