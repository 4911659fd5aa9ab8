// Forecasting through a decomposition (Hyndman & Athanasopoulos, FPP3 §5.7 "forecasting with
// decomposition"; R's stlf): MSTL takes out the seasonal components, a non-seasonal model
// forecasts the seasonally adjusted series, and each seasonal component's last cycle is
// repeated on top (its seasonal naive forecast). Daily and weekly cycles of hourly data are
// handled together, which a single-season model cannot do.
import { etsFitted, etsPoints, fitEts, fitEtsSpec } from './ets.js';
import type { FittedModel, ForecastModel, SeriesContext } from './types.js';

export interface SeasonalFit {
  /** The summed seasonal components at time t: estimated up to the training length, their last cycle repeated beyond it. */
  at(t: number): number;
  /** A history (which starts where the training data did) less its season. */
  adjust(history: readonly number[]): number[];
}

/**
 * The seasonal pattern is estimated once, on the training data, like any other parameter: a
 * backtest applies it to later origins without decomposing again (and without seeing them).
 */
export function seasonalFit(ctx: SeriesContext, train: readonly number[]): SeasonalFit {
  const d = ctx.decompose(train);
  const n = train.length;
  const at = (t: number) => {
    let s = 0;
    ctx.periods.forEach((p, j) => { s += t < n ? d.seasonal[j][t] : d.seasonal[j][n - p + ((t - n) % p)]; });
    return s;
  };
  return { at, adjust: (history) => history.map((v, t) => v - at(t)) };
}

/** A non-seasonal forecaster of the adjusted series, fitted on the adjusted training data. */
export function decomposedModel(name: string, fitAdjusted: (adjusted: number[], warm?: unknown) => FittedModel): ForecastModel {
  return {
    name,
    fit(train, ctx, warm): FittedModel {
      const season = seasonalFit(ctx, train);
      const inner = fitAdjusted(season.adjust(train), warm);
      return {
        forecast(history, horizon) {
          const n = history.length;
          return inner.forecast(season.adjust(history), horizon).map((v, i) => v + season.at(n + i));
        },
        warm: inner.warm,
      };
    },
  };
}

/** STL/MSTL + ETS (A,N,N or A,Ad,N by AICc) on the adjusted series. */
export const stlEts = decomposedModel('stl-ets', (adjusted, warm) => etsFitted(fitEts(adjusted, 1, warm)));

/**
 * "Comb S-H-D" (Makridakis & Hibon 2000, the M3 and M4 benchmark): the mean of simple, Holt's
 * linear and damped-trend exponential smoothing of the seasonally adjusted series. Holt's trend
 * runs on where the damped one levels off; on a trending series the two bracket the truth.
 */
export const combShd = decomposedModel('comb-shd', (adjusted) => {
  const fits = adjusted.length >= 4
    ? [{ trend: false, season: 1 }, { trend: true, damped: false, season: 1 }, { trend: true, season: 1 }].map((spec) => fitEtsSpec(adjusted, spec))
    : [fitEtsSpec(adjusted, { trend: false, season: 1 })];
  return {
    forecast: (history, horizon) => {
      const paths = fits.map((f) => etsPoints(history, horizon, f));
      return paths[0].map((_, k) => paths.reduce((s, p) => s + p[k], 0) / paths.length);
    },
  };
});
