// The "airline model" of Box & Jenkins (Time Series Analysis, 1970, §9.2): ARIMA(0,1,1)(0,1,1)_m
// of the log series, (1 − B)(1 − B^m) z_t = (1 + θB)(1 + ΘB^m) e_t. A season that evolves and a
// local level, the form the seasonal ARIMA literature found to fit most monthly economic series
// (it is X-13ARIMA-SEATS' default model); a different account of the same data than exponential
// smoothing's states, which is what a combination of the two gains from (ETS-ARIMA-Theta
// combinations: Petropoulos & Svetunkov 2020, IJF 36(1), among the M4 benchmarks that did well).
// θ and Θ by conditional sum of squares (Box & Jenkins §7.1; R's arima(method = "CSS")): the
// residuals are recursed from zeros before the first differenced value, Nelder–Mead on the two
// parameters mapped into the invertible region (−1, 1).
import { nelderMead } from './optimize.js';
import type { FittedModel, ForecastModel } from './types.js';

/** Keeps a parameter inside the invertible region (|θ| < 1), away from the unit circle where CSS is flat. */
const bounded = (v: number) => 0.98 * Math.tanh(v);

/** The differenced series w_t = z_t − z_{t−1} − z_{t−m} + z_{t−m−1} (no seasonal difference when m = 1). */
function differenced(z: readonly number[], m: number): number[] {
  const w: number[] = [];
  const start = m > 1 ? m + 1 : 1;
  for (let t = start; t < z.length; t++) w.push(m > 1 ? z[t] - z[t - 1] - z[t - m] + z[t - m - 1] : z[t] - z[t - 1]);
  return w;
}

/** Residuals of w under (1 + θB)(1 + ΘB^m): e_t = w_t − θe_{t−1} − Θe_{t−m} − θΘe_{t−m−1}, zero before the start. */
function residuals(w: readonly number[], m: number, th: number, sth: number): Float64Array {
  const e = new Float64Array(w.length);
  for (let t = 0; t < w.length; t++) {
    let v = w[t] - th * (e[t - 1] ?? 0);
    if (m > 1) v -= sth * (e[t - m] ?? 0) + th * sth * (e[t - m - 1] ?? 0);
    e[t] = v;
  }
  return e;
}

function css(w: readonly number[], m: number, th: number, sth: number): number {
  const e = residuals(w, m, th, sth);
  let s = 0;
  for (const v of e) s += v * v;
  return s;
}

/** Forecasts of z after `history` for fixed θ, Θ: future shocks are zero, past ones the residuals. */
function airlinePoints(history: readonly number[], horizon: number, m: number, th: number, sth: number): number[] {
  const w = differenced(history, m);
  const e = Array.from(residuals(w, m, th, sth));
  const z = [...history];
  const n = history.length;
  for (let k = 0; k < horizon; k++) {
    e.push(0);
    const t = e.length - 1;
    let wk = th * (e[t - 1] ?? 0);
    if (m > 1) wk += sth * (e[t - m] ?? 0) + th * sth * (e[t - m - 1] ?? 0);
    const i = n + k;
    z.push(m > 1 ? wk + z[i - 1] + z[i - m] - z[i - m - 1] : wk + z[i - 1]);
  }
  return z.slice(n);
}

/** The seasonal period is the series' primary one (none: ARIMA(0,1,1), which is simple exponential smoothing). */
export const airline: ForecastModel = {
  name: 'airline',
  fit(train, ctx): FittedModel {
    const m = ctx.periods[0] ?? 1;
    const w = differenced(train, m);
    // Too short to estimate (fewer than two seasons of differences): the textbook values' middle ground.
    if (w.length < 2 * m + 2) return { forecast: (history, horizon) => airlinePoints(history, horizon, m, -0.4, -0.6) };
    const best = nelderMead((p) => css(w, m, bounded(p[0]), bounded(p[1])), [-0.4, -0.6].map(Math.atanh), { step: 0.5, maxIter: 120 });
    const th = bounded(best.x[0]);
    const sth = m > 1 ? bounded(best.x[1]) : 0;
    return { forecast: (history, horizon) => airlinePoints(history, horizon, m, th, sth) };
  },
};
