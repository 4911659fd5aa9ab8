// Damped-trend exponential smoothing, with additive seasonality when a season is given
// (ETS(A,Ad,A), Holt–Winters damped; ETS(A,Ad,N) without a season). Error-correction form and
// interval formula from Hyndman et al., "Forecasting with Exponential Smoothing" (2008), class 1.
import { mean } from 'simple-statistics';
import { nelderMead } from './optimize.js';
import { normalPoint, type FittedModel, type ForecastModel, type ForecastPoint } from './types.js';

export interface EtsParams {
  alpha: number;
  /** Trend smoothing in error-correction form, 0 < beta < alpha. */
  beta: number;
  /** Seasonal smoothing, 0 < gamma < 1 − alpha; 0 without a season. */
  gamma: number;
  /** Damping, 0.8 ≤ phi ≤ 0.98, so long-range forecasts level off instead of running away. */
  phi: number;
  /** Season length used; 1 means none. */
  season: number;
}

interface State { level: number; trend: number; seasonal: number[] }

const logistic = (v: number) => 1 / (1 + Math.exp(-v));

/** Optimiser coordinates (unbounded) → admissible parameters. */
function params(p: number[], season: number): EtsParams {
  const alpha = 0.0001 + 0.9998 * logistic(p[0]);
  return {
    alpha,
    beta: alpha * logistic(p[1]),
    gamma: season > 1 ? (1 - alpha) * logistic(p[2]) : 0,
    phi: 0.8 + 0.18 * logistic(p[3]),
    season,
  };
}

/** Heuristic start: first-season mean and the change between the first two seasons. */
function initialState(y: readonly number[], m: number): State {
  if (m > 1) {
    const first = mean(y.slice(0, m) as number[]);
    const trend = (mean(y.slice(m, 2 * m) as number[]) - first) / m;
    // The first-season mean sits at time (m − 1)/2; the level is wanted one step before time 0.
    const seasonal = y.slice(0, m).map((v, i) => v - (first + trend * (i - (m - 1) / 2)));
    return { level: first - trend * ((m + 1) / 2), trend, seasonal };
  }
  const trend = y.length >= 2 ? y[1] - y[0] : 0;
  return { level: y[0] - trend, trend, seasonal: [0] };
}

/** Runs the filter over y; returns the final state and the sum of squared one-step errors. */
function filter(y: readonly number[], p: EtsParams): State & { sse: number } {
  const m = p.season;
  const s = initialState(y, m);
  const seasonal = s.seasonal.slice();
  let { level, trend } = s;
  let sse = 0;
  for (let t = 0; t < y.length; t++) {
    const j = t % m;
    const e = y[t] - (level + p.phi * trend + seasonal[j]);
    level = level + p.phi * trend + p.alpha * e;
    trend = p.phi * trend + p.beta * e;
    seasonal[j] += p.gamma * e;
    sse += e * e;
  }
  return { level, trend, seasonal, sse };
}

/** Season actually usable: at least two full seasons are needed to initialise it. */
function usableSeason(n: number, season: number): number {
  const m = Math.floor(season);
  return m > 1 && n >= 2 * m ? m : 1;
}

export function fitEts(y: readonly number[], season: number): EtsParams {
  if (y.length < 2) throw new RangeError('exponential smoothing needs at least two observations');
  const m = usableSeason(y.length, season);
  // Start near typical values: alpha ≈ 0.5, beta ≈ 0.05, gamma ≈ 0.05, phi ≈ 0.95.
  const best = nelderMead((p) => filter(y, params(p, m)).sse, [0, -2.2, -2.9, 1.7], { maxIter: 300 });
  return params(best.x, m);
}

export function etsForecast(history: readonly number[], horizon: number, p: EtsParams): ForecastPoint[] {
  const m = usableSeason(history.length, p.season);
  const fitted = m === p.season ? p : { ...p, gamma: 0, season: 1 };
  const s = filter(history, fitted);
  const nParams = 4 + (m > 1 ? m : 0);
  const sigma2 = s.sse / Math.max(1, history.length - nParams);
  const out: ForecastPoint[] = [];
  let phiK = 0;
  let varSum = 1;
  for (let k = 1; k <= horizon; k++) {
    phiK += fitted.phi ** k;
    const yhat = s.level + phiK * s.trend + s.seasonal[(history.length - 1 + k) % m];
    out.push(normalPoint(k, yhat, Math.sqrt(sigma2 * varSum)));
    // c_k = α + β·φ_k + γ·[k is a whole number of seasons]: how much a shock k steps back still moves ŷ.
    const c = fitted.alpha + fitted.beta * phiK + (m > 1 && k % m === 0 ? fitted.gamma : 0);
    varSum += c * c;
  }
  return out;
}

export const dampedEts: ForecastModel = {
  name: 'ets-damped',
  fit(train, season): FittedModel {
    const p = fitEts(train, season);
    return { forecast: (history, horizon) => etsForecast(history, horizon, p) };
  },
};
