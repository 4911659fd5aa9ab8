// Autoregressive models for prewhitening (Box & Jenkins, Time Series Analysis, 1970, §11.2):
// fit AR(p) by Yule–Walker, p chosen by AIC, then filter a series with it so that what remains
// is (close to) white noise. Pure.
import { autocorrelation } from './stats.js';

export interface Autoregression {
  /** φ₁…φ_p of x_t = φ₁x_{t−1} + … + φ_p x_{t−p} + e_t (on the mean-removed series); empty for white noise. */
  coefficients: number[];
  /** Innovation variance σ² of the chosen order. */
  variance: number;
}

/** R's default for `ar()`: 10·log₁₀(n), at most n − 1. */
export const defaultMaxOrder = (n: number) => Math.max(0, Math.min(n - 1, Math.floor(10 * Math.log10(Math.max(n, 1)))));

/**
 * Yule–Walker AR fit by the Levinson–Durbin recursion over orders 0…maxOrder, keeping the order
 * with the lowest AIC = n·ln σ²_p + 2p (Akaike, 1974). The Yule–Walker estimate is always
 * stationary, so its filter never explodes.
 */
export function fitAutoregression(x: readonly number[], maxOrder = defaultMaxOrder(x.length)): Autoregression {
  const n = x.length;
  const mu = n ? x.reduce((s, v) => s + v, 0) / n : 0;
  const gamma0 = n ? x.reduce((s, v) => s + (v - mu) ** 2, 0) / n : 0;
  const pMax = Math.min(maxOrder, n - 1);
  if (!(gamma0 > 0) || pMax < 1) return { coefficients: [], variance: gamma0 };
  const rho = autocorrelation(x, pMax);
  let phi: number[] = [];
  let v = 1; // innovation variance / γ(0) at the current order
  let best = { aic: n * Math.log(gamma0), coefficients: [] as number[], variance: gamma0 };
  for (let k = 1; k <= pMax; k++) {
    let num = rho[k - 1];
    for (let j = 1; j < k; j++) num -= phi[j - 1] * rho[k - j - 1];
    const reflection = num / v;
    if (!Number.isFinite(reflection) || Math.abs(reflection) >= 1) break; // numerically singular from here on
    phi = [...phi.map((p, j) => p - reflection * phi[k - j - 2]), reflection];
    v *= 1 - reflection * reflection;
    const aic = n * Math.log(v * gamma0) + 2 * k;
    if (aic < best.aic) best = { aic, coefficients: phi, variance: v * gamma0 };
  }
  return { coefficients: best.coefficients, variance: best.variance };
}

/**
 * The residuals e_t = x_t − Σ φ_i x_{t−i} of x under a fitted model, for t = p…n−1 (the first p
 * values have no full history and are dropped): output index i is input index i + p. Applied
 * to x and to a second series alike, this is Box–Jenkins prewhitening.
 */
export function whiten(x: readonly number[], model: Autoregression): number[] {
  const phi = model.coefficients;
  const p = phi.length;
  const out: number[] = [];
  for (let t = p; t < x.length; t++) {
    let e = x[t];
    for (let i = 0; i < p; i++) e -= phi[i] * x[t - 1 - i];
    out.push(e);
  }
  return out;
}
