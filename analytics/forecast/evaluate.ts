// Out-of-sample evaluation as an analyst would run it: hold out the last window(s) of each
// series, forecast them with everything before (seasons tested, models backtested and chosen,
// intervals calibrated on that part alone), and score every candidate and the chosen model.
import { sum } from 'simple-statistics';
import { seasonsOf, type Step } from '../granularity.js';
import { coverageFigures, inside, mase, maseScale, smape, type CoverageFigures } from './accuracy.js';
import { backtestOrigins, forecastSeries, type EngineOptions } from './backtest.js';
import { chooseLags, neuralModel, trainGlobal, type NeuralForecaster } from './neural.js';
import type { ForecastPoint } from './types.js';

export const SELECTED = 'selected';

export interface WindowScore {
  model: string;
  mase: number;
  smape: number;
  in80: number;
  in95: number;
  points: number;
}

export interface SeriesEvaluation {
  periods: number[];
  /** Per evaluation window, every candidate's score plus `selected` (the model the backtest chose). */
  windows: WindowScore[][];
  /** Forecasting time per window, ms (backtest, selection, refit, intervals): wall clock, and CPU time of this process. */
  ms: number[];
  cpuMs: number[];
}

/** The `windows` last non-overlapping test windows of `horizon` points: their start indices, oldest first. */
export function evaluationOrigins(n: number, horizon: number, windows: number): number[] {
  return Array.from({ length: windows }, (_, i) => n - (windows - i) * horizon).filter((o) => o > 0);
}

function score(model: string, actual: readonly number[], fc: readonly ForecastPoint[], scale: number): WindowScore {
  const yhat = fc.map((p) => p.yhat);
  let in80 = 0;
  let in95 = 0;
  fc.forEach((p, i) => { if (inside(actual[i], p.lo80, p.hi80)) in80++; if (inside(actual[i], p.lo95, p.hi95)) in95++; });
  return { model, mase: mase(actual, yhat, scale), smape: smape(actual, yhat), in80, in95, points: actual.length };
}

export interface EvaluateOptions extends Omit<EngineOptions, 'periods' | 'allForecasts'> {
  step: Step;
  /** Fixed seasonal periods (else the step's periods the strength test keeps, on the training part only). */
  periods?: number[];
  windows?: number;
}

export function evaluateSeries(y: readonly number[], opts: EvaluateOptions): SeriesEvaluation | null {
  const h = opts.horizon;
  const out: SeriesEvaluation = { periods: [], windows: [], ms: [], cpuMs: [] };
  for (const e of evaluationOrigins(y.length, h, opts.windows ?? 1)) {
    const train = y.slice(0, e);
    const actual = y.slice(e, e + h);
    const started = performance.now();
    const cpu = process.cpuUsage();
    const periods = opts.periods ?? seasonsOf(train, opts.step);
    const f = forecastSeries(train, { ...opts, periods, allForecasts: true });
    out.ms.push(performance.now() - started);
    const used = process.cpuUsage(cpu);
    out.cpuMs.push((used.user + used.system) / 1000);
    if (!f) continue;
    out.periods = periods;
    const scale = maseScale(train, periods[0] ?? 1);
    out.windows.push([...[...f.candidates!].map(([model, fc]) => score(model, actual, fc, scale)), score(SELECTED, actual, f.points, scale)]);
  }
  return out.windows.length ? out : null;
}

/** Coverage with each series' window as a cluster (windows apart share no test point: lag 0). */
export interface ModelSummary extends CoverageFigures {
  model: string;
  /** Mean MASE over series × windows. */
  mase: number;
  smape: number;
  /** Geometric mean over series × windows of MASE ÷ seasonal naive's MASE on the same window. */
  relativeMase: number;
  windows: number;
}

/** Per model over many series' evaluations (each window counts once). */
export function summarize(evaluations: readonly SeriesEvaluation[]): ModelSummary[] {
  const acc = new Map<string, { mase: number; smape: number; in80: number[]; in95: number[]; points: number[]; logRel: number; rel: number; n: number }>();
  for (const ev of evaluations) {
    for (const w of ev.windows) {
      const base = w.find((s) => s.model === 'seasonal-naive');
      for (const s of w) {
        const a = acc.get(s.model) ?? { mase: 0, smape: 0, in80: [], in95: [], points: [], logRel: 0, rel: 0, n: 0 };
        a.mase += s.mase;
        a.smape += s.smape;
        a.in80.push(s.in80);
        a.in95.push(s.in95);
        a.points.push(s.points);
        a.n++;
        if (base && base.mase > 0 && Number.isFinite(base.mase) && s.mase > 0 && Number.isFinite(s.mase)) { a.logRel += Math.log(s.mase / base.mase); a.rel++; }
        acc.set(s.model, a);
      }
    }
  }
  return [...acc].map(([model, a]) => ({
    model, mase: a.mase / a.n, smape: a.smape / a.n, ...coverageFigures(a.in80, a.in95, a.points),
    relativeMase: a.rel ? Math.exp(a.logRel / a.rel) : Number.NaN, windows: a.n,
  }));
}

export interface EvaluationRun {
  evaluations: (SeriesEvaluation | null)[];
  /** Why the global MLP is missing, when it is. */
  neuralSkipped?: string;
  neuralStats?: NeuralForecaster['stats'] & { lags: number; ms: number };
}

/**
 * Evaluates many series together, as the app forecasts many products: with `neural`, one global
 * MLP is first trained across all of them on the data before each one's first backtest origin
 * (for its earliest evaluation window), so no evaluated or backtested point was seen in training.
 */
export async function evaluateAll(seriesList: readonly (readonly number[])[], opts: EvaluateOptions & { neural?: boolean }): Promise<EvaluationRun> {
  const h = opts.horizon;
  const run: EvaluationRun = { evaluations: [] };
  let net: NeuralForecaster | undefined;
  if (opts.neural) {
    const prefixes: number[][] = [];
    for (const y of seriesList) {
      const e = evaluationOrigins(y.length, h, opts.windows ?? 1)[0];
      if (e === undefined) continue;
      const train = y.slice(0, e);
      const periods = opts.periods ?? seasonsOf(train, opts.step);
      const first = backtestOrigins(train.length, h, periods, opts.origins, opts.stride)[0];
      if (first) prefixes.push(y.slice(0, first));
    }
    const period = opts.periods?.[0] ?? ({ hour: 24, day: 7, week: 52, month: 12 } as const)[opts.step];
    const lags = prefixes.length ? chooseLags(Math.min(...prefixes.map((p) => p.length)), h, period) : 12;
    const started = performance.now();
    try {
      net = await trainGlobal(prefixes, { lags, horizon: h, period });
      run.neuralStats = { ...net.stats, lags, ms: performance.now() - started };
      if (!net.stats.useful) {
        run.neuralSkipped = `no better than seasonal naive on its validation windows (MAE ${net.stats.validationMae.toFixed(3)} vs ${net.stats.naiveMae.toFixed(3)})`;
        net.dispose();
        net = undefined;
      }
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      run.neuralSkipped = e.message;
    }
  }
  try {
    const models = net ? [...opts.models, neuralModel(net)] : opts.models;
    for (const y of seriesList) run.evaluations.push(evaluateSeries(y, { ...opts, models }));
  } finally {
    net?.dispose();
  }
  return run;
}
