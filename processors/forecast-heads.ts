// The forecasts list's row of each stored forecast generation (TABLES.forecastHeads): what the
// list shows and sorts by, taken from the forecast the forecaster stores in the same write, so a
// page of the list reads a row per product instead of its forecast, backtest and lifecycle rows.
// Each figure is the one the list's whole SQL reads from those rows (api/queries/latest-forecasts.ts),
// and the tests compare the two.
import { STEPS, stepOfInterval, type Step } from '../analytics/granularity.js';
import { seasonalNaive } from '../analytics/forecast/seasonal-naive.js';
import type { ModelBacktest } from '../analytics/forecast/backtest.js';

/** How far ahead the list reads a forecast (its `ahead`): the bucket a day or a week after the last complete one. */
export const HEAD_AHEAD_MS = { '1d': STEPS.day.ms, '1w': STEPS.week.ms } as const;
export type HeadAhead = keyof typeof HEAD_AHEAD_MS;

/** The forecast step of `interval` that starts `ahead` after its last complete bucket; undefined where no whole step says it. */
export function aheadStep(ahead: HeadAhead, step: Step): number | undefined {
  const k = HEAD_AHEAD_MS[ahead] / STEPS[step].ms;
  return Number.isInteger(k) ? k : undefined;
}

/** What a head is made of: a stored forecast (processors/forecaster.ts StoredForecast) as the forecaster writes it. */
export interface HeadSource {
  productId: string; metric: string; generatedAt: number; model: string; interval: string; base: number;
  points: { step: number; ts: number; yhat: number; lo80: number; hi80: number }[];
  backtest: ModelBacktest[];
  lifecycle: { stage: string; growth: number; peak: { at: number; lo: number; hi: number } | null } | null;
}

/** A Float64 as JSON carries it to ClickHouse: no Infinity or NaN in JSON, which reads 'inf', '-inf' and 'nan'. */
export const float = (v: number) => (Number.isFinite(v) ? v : Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf');

const sec = (ms: number) => Math.floor(ms / 1000);

/** The heads' rows of `forecasts` (JSONEachRow), one per forecast. */
export function forecastHeadRows(forecasts: readonly HeadSource[]): Record<string, unknown>[] {
  return forecasts.map((f) => {
    const step = stepOfInterval(f.interval);
    const at = (ahead: HeadAhead) => {
      const k = step && aheadStep(ahead, step);
      return f.points.find((p) => p.step === k);
    };
    const d = at('1d'), w = at('1w');
    const chosen = f.backtest.find((b) => b.model === f.model);
    const naive = f.backtest.find((b) => b.model === seasonalNaive.name);
    const lc = f.lifecycle;
    return {
      productId: f.productId, metric: f.metric, generatedAt: f.generatedAt, model: f.model, granularity: f.interval, base: float(f.base),
      start: sec(f.points.find((p) => p.step === 1)!.ts),
      target1d: d ? sec(d.ts) : null, yhat1d: d ? float(d.yhat) : null, lo80_1d: d ? float(d.lo80) : null, hi80_1d: d ? float(d.hi80) : null,
      target1w: w ? sec(w.ts) : null, yhat1w: w ? float(w.yhat) : null, lo80_1w: w ? float(w.lo80) : null, hi80_1w: w ? float(w.hi80) : null,
      mase: chosen ? float(chosen.mase) : null, coverage80: chosen ? float(chosen.coverage80) : null, margin80: chosen ? float(chosen.margin80) : null,
      coverage95: chosen ? float(chosen.coverage95) : null, margin95: chosen ? float(chosen.margin95) : null,
      points: chosen?.points ?? 0, origins: chosen?.origins ?? 0, naiveMase: naive ? float(naive.mase) : null,
      stage: lc?.stage ?? null, growth: lc ? float(lc.growth) : null,
      peakAt: lc?.peak ? sec(lc.peak.at) : null, peakLo: lc?.peak ? sec(lc.peak.lo) : null, peakHi: lc?.peak ? sec(lc.peak.hi) : null,
    };
  });
}
