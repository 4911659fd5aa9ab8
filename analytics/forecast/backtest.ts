// The forecasting engine: rolling-origin backtest of every model on the series' own history,
// selection by backtest MASE with every forecaster within noise of the best pooled, intervals calibrated from each model's backtest errors, and the
// chosen model's forecast. Models work on the log scale when the series allows it (see
// toLogScale); accuracy is measured on the original scale.
import { sum } from 'simple-statistics';
import { fromLogScale, toLogScale } from '../granularity.js';
import { neweyWestVariance } from '../stats.js';
import { mstl, type Decomposition } from '../stl.js';
import { coverageFigures, mase, maseScale, smape, type CoverageFigures } from './accuracy.js';
import { backtestEnvelope, clampToEnvelope, envelopeExcess, widenEnvelope, withinEnvelope } from './guard.js';
import { bounds, calibrate, heldOut, type Calibration } from './intervals.js';
import { seasonalNaive } from './seasonal-naive.js';
import type { ForecastModel, ForecastPoint, SeriesContext } from './types.js';

export interface EngineOptions {
  horizon: number;
  /** Seasonal periods in force, primary first (analytics/granularity.ts `seasonsOf`); empty for none. */
  periods: readonly number[];
  /** Candidate models; seasonal naive is always added. */
  models: readonly ForecastModel[];
  /** Rolling origins (default 12), the last at n − horizon. */
  origins?: number;
  /** Steps between origins (default ⌈horizon / 3⌉). */
  stride?: number;
  /** Models whose forecasts are averaged into the `combination` candidate (those present; at least two). */
  combine?: readonly string[];
  /** Also return every candidate's final forecast (for evaluation). */
  allForecasts?: boolean;
  /**
   * Per model, what its fit on this series' previous refresh left to start from (`SeriesForecast.warm`
   * of that refresh): each model's backtest fit then searches near it instead of from scratch.
   */
  warm?: ReadonlyMap<string, unknown>;
}

/**
 * One candidate's rolling-origin backtest. Coverage: each origin's interval calibrated on the
 * origins whose test windows do not overlap it; its margins from how much the origins' own
 * coverages differ, with a Newey–West variance across the origins that share test points (the
 * points of one origin move together, so a binomial margin alone overstates the precision).
 */
export interface ModelBacktest extends CoverageFigures {
  model: string;
  /** Mean over origins of the MASE, scaled by the in-sample seasonal-naive MAE up to each origin. */
  mase: number;
  /** Mean sMAPE (%) over origins. */
  smape: number;
  origins: number;
}

export interface SeriesForecast {
  model: string;
  periods: number[];
  points: ForecastPoint[];
  /** Every candidate, and the pool when it is the choice (its backtest: the whole procedure's), best MASE first. */
  backtest: ModelBacktest[];
  /** The chosen model's interval calibration: errors it rests on. */
  calibrationErrors: number;
  /** With `allForecasts`: each candidate's forecast. */
  candidates?: Map<string, ForecastPoint[]>;
  /** Per model that has one, its backtest fit's warm start: the next refresh's `EngineOptions.warm`. */
  warm: Map<string, unknown>;
}

export const COMBINATION = 'combination';
/** Averaged by default: the combinations of exponential smoothing and Theta that did well in M4. */
export const DEFAULT_COMBINE = ['ets', 'stl-ets', 'theta'] as const;
/** The choice when several candidates are within backtest noise of the best: their mean (`forecastSeries`). */
export const POOL = 'pool';

/**
 * A backtest row's MASE ÷ seasonal naive's in the same backtest: both are means over the same
 * origins of errors divided by the same per-origin scales, so this compares the model with
 * repeating the last season *on the same test windows*. MASE alone compares it with seasonal
 * naive's *in-sample* error before each origin; where the level moved in the tested windows
 * (a launch, a hype curve) seasonal naive itself scores far above 1 there, and every model's
 * MASE is inflated alike. NaN without a finite, positive seasonal-naive MASE.
 */
export function relativeMase(mase: number, backtest: readonly { model: string; mase: number }[]): number {
  const floor = backtest.find((b) => b.model === seasonalNaive.name)?.mase;
  return floor !== undefined && floor > 0 && Number.isFinite(floor) ? mase / floor : Number.NaN;
}

/** Shortest history a model is fitted on: two primary seasons plus two points. */
export const minTrain = (periods: readonly number[]) => Math.max(4, 2 * (periods[0] ?? 1) + 2);

/** Origins o (train y[0..o), test y[o..o+h)) `stride` apart, the last at n − h, each with at least minTrain points before it. */
export function backtestOrigins(n: number, horizon: number, periods: readonly number[], count = 12, stride = Math.ceil(horizon / 3)): number[] {
  const out: number[] = [];
  for (let j = count - 1; j >= 0; j--) {
    const o = n - horizon - j * stride;
    if (o >= minTrain(periods)) out.push(o);
  }
  return out;
}

/** Decompositions of prefixes of one series, each computed once; periods without two cycles in a prefix get a zero component. */
export function seriesContext(z: readonly number[], periods: readonly number[]): SeriesContext {
  const memo = new Map<number, Decomposition>();
  return {
    periods,
    decompose(history) {
      const n = history.length;
      let d = memo.get(n);
      if (!d) {
        const usable = periods.filter((p) => n >= 2 * p);
        const part = mstl(history, usable);
        d = { trend: part.trend, remainder: part.remainder, seasonal: periods.map((p) => (usable.includes(p) ? part.seasonal[usable.indexOf(p)] : new Array<number>(n).fill(0))) };
        memo.set(n, d);
      }
      return d;
    },
  };
}

/**
 * How many standard errors one forecaster's mean backtest loss must lie below another's to count
 * as better (one-sided, about 84%): before a candidate replaces seasonal naive, and before the
 * best candidate leaves another out of the pool. The lowest mean of several candidates over a
 * dozen overlapping origins is biased low (the winner's curse): without a margin the choice
 * picked, on weekly US births, models that lost to seasonal naive out of sample.
 */
export const SELECTION_Z = 1;

/**
 * Whether loss differences d (one forecaster − another, one per origin) show the first better:
 * the Diebold–Mariano statistic (Diebold & Mariano 1995) with a Newey–West variance, because
 * origins closer than a horizon share test points and their differences are correlated (`lag`:
 * how many following origins overlap each one). Mean d̄ < −SELECTION_Z · SE(d̄).
 */
export function beats(d: readonly number[], lag: number): boolean {
  const n = d.length;
  if (!n || !d.every(Number.isFinite)) return false;
  const mean = d.reduce((s, v) => s + v, 0) / n;
  if (!(mean < 0)) return false;
  const v = neweyWestVariance(d, lag);
  // No variance at all (every origin the same gain): the gain itself is the evidence.
  if (!(v > 0)) return true;
  return mean < -SELECTION_Z * Math.sqrt(v / n);
}

interface Candidate {
  model: string;
  /** Forecasts on the model scale, per origin. */
  paths: number[][];
  /** The forecast after refitting on the whole series, computed once when first asked for. */
  refit: () => number[];
}

function once<T>(f: () => T): () => T {
  let v: T | undefined;
  let done = false;
  return () => { if (!done) { v = f(); done = true; } return v as T; };
}

/**
 * Backtests every model (seasonal naive always among them) and forecasts with the one of lowest
 * backtest MASE, or with the mean (model `pool`) of it and every forecaster it does not beat
 * beyond backtest noise (`beats`), seasonal naive included; refits the choice on the whole series
 * from its backtest fit and forecasts with calibrated intervals. Null when the series is too
 * short for a single backtest origin.
 */
export function forecastSeries(y: readonly number[], opts: EngineOptions): SeriesForecast | null {
  const { horizon: h, periods } = opts;
  const origins = backtestOrigins(y.length, h, periods, opts.origins, opts.stride);
  if (!origins.length) return null;
  const m = periods[0] ?? 1;
  const { values: z, kind } = toLogScale(y);
  const ctx = seriesContext(z, periods);
  const models = opts.models.some((x) => x.name === seasonalNaive.name) ? opts.models : [seasonalNaive, ...opts.models];

  const warm = new Map<string, unknown>();
  const candidates: Candidate[] = models.map((model) => {
    const fitted = model.fit(z.slice(0, origins[0]), ctx, opts.warm?.get(model.name));
    if (fitted.warm !== undefined) warm.set(model.name, fitted.warm);
    return {
      model: model.name,
      paths: origins.map((o) => fitted.forecast(z.slice(0, o), h)),
      // The refit on the whole series starts from the backtest fit: a few more points than it saw.
      refit: once(() => model.fit(z, ctx, fitted.warm).forecast(z, h)),
    };
  });
  const meanPath = (paths: number[][]) => paths[0].map((_, k) => paths.reduce((s, p) => s + p[k], 0) / paths.length);
  const members = (opts.combine ?? DEFAULT_COMBINE).map((name) => candidates.find((c) => c.model === name)).filter((c): c is Candidate => !!c);
  if (members.length >= 2) {
    candidates.push({
      model: COMBINATION,
      paths: origins.map((_, i) => meanPath(members.map((c) => c.paths[i]))),
      refit: once(() => meanPath(members.map((c) => c.refit()))),
    });
  }

  // Counts stay non-negative: ln(1 + y) can come back a little below zero.
  const back = kind === 'log1p' ? (v: number) => Math.max(0, fromLogScale(v, kind)) : (v: number) => fromLogScale(v, kind);
  // The median of a count is a whole number: a count series gets whole point forecasts (an hour
  // that is always empty is forecast as 0, not as a fraction above it).
  const counts = y.every((v) => Number.isInteger(v) && v >= 0);
  const point = counts ? (v: number) => Math.round(back(v)) : back;
  const scales = origins.map((o) => maseScale(y.slice(0, o), m));
  const apart = (i: number, j: number) => Math.abs(origins[j] - origins[i]) >= h;
  // How many following origins share test points with each one.
  const lag = Math.ceil(h / (origins.length > 1 ? origins[1] - origins[0] : h)) - 1;
  const score = (c: Candidate) => {
    const errors = c.paths.map((path, i) => path.map((v, k) => z[origins[i] + k] - v));
    const maseAt: number[] = [];
    // Per origin, the MAE on the original scale: what the tests between forecasters weigh.
    const maeAt: number[] = [];
    let maseSum = 0;
    let smapeSum = 0;
    // Per origin with a calibration: points inside the 80% and 95% intervals, and points.
    const hits80: number[] = [];
    const hits95: number[] = [];
    const counts: number[] = [];
    origins.forEach((o, i) => {
      const actual = y.slice(o, o + h);
      const fc = c.paths[i].map(point);
      maseAt.push(mase(actual, fc, scales[i]));
      maeAt.push(fc.reduce((sum, v, k) => sum + Math.abs(actual[k] - v), 0) / h);
      maseSum += maseAt[i];
      smapeSum += smape(actual, fc);
      // Calibrated on the other origins whose test windows do not overlap this one.
      const others = origins.flatMap((_, j) => (apart(i, j) ? [j] : []));
      const held = heldOut(others.map((j) => errors[j]), h, others.map((j) => origins[j]), c.paths[i], z.slice(o, o + h));
      if (!held) return;
      hits80.push(held.in80);
      hits95.push(held.in95);
      counts.push(held.points);
    });
    const report: ModelBacktest = {
      model: c.model, mase: maseSum / origins.length, smape: smapeSum / origins.length,
      ...coverageFigures(hits80, hits95, counts, lag), origins: origins.length,
    };
    return { c, report, errors, maseAt, maeAt };
  };
  type Scored = ReturnType<typeof score>;
  const scored = candidates.map(score);

  const better = (a: Scored, b: Scored, at: readonly number[]) => beats(at.map((i) => a.maeAt[i] - b.maeAt[i]), lag);
  // The choice from the origins `at`: the candidate with the lowest mean MASE there, pooled with
  // every forecaster it does not beat beyond backtest noise, seasonal naive included. Which of
  // several such forecasters is best a dozen overlapping origins cannot tell (the winner's curse
  // again), and their mean's absolute error is at most the members' average on the log scale, by
  // convexity (Samuels & Sekkel 2017 on averaging a model confidence set; Kourentzes, Barrow &
  // Petropoulos 2019 on forecast pools). Seasonal naive stays in the pool until it is beaten
  // beyond noise, so where the backtest is short or the models' edge small the forecast is shrunk
  // toward it rather than switched to it: choosing seasonal naive alone there threw away a lead
  // the backtest did see (as choosing the best alone threw away seasonal naive before the margin).
  const choose = (at: readonly number[]): Scored[] => {
    const meanMase = (s: Scored) => at.reduce((sum, i) => sum + s.maseAt[i], 0) / at.length;
    const top = scored.reduce((a, b) => (meanMase(b) < meanMase(a) ? b : a));
    return scored.filter((s) => s === top || !better(top, s, at));
  };
  const chosen = choose(origins.map((_, i) => i));
  // The chosen forecasters' own backtest errors are optimistic: they were chosen because they were
  // small (the winner's curse). The intervals are calibrated instead on the errors of the whole
  // procedure: at each origin, the forecast of what the other, non-overlapping origins would have
  // chosen. That is also the pool's backtest.
  const procedurePaths = origins.map((_, i) => {
    const others = origins.map((__, j) => j).filter((j) => apart(i, j));
    return meanPath((others.length ? choose(others) : chosen).map((s) => s.c.paths[i]));
  });
  const pool = chosen.length > 1 ? score({ model: POOL, paths: procedurePaths, refit: once(() => meanPath(chosen.map((s) => s.c.refit()))) }) : undefined;
  const choice = pool ?? chosen[0];
  // The refit forecasts only where its path is of a kind the backtest tested (guard.ts): changes
  // from the last value within those the backtest's forecasts or the history made at each step
  // from the same phase of the season, widened by the procedure's 80% half-width there,
  // calibrated on the origins whose windows end before the last h points (a usual miss; the last
  // origins' errors hold the jump itself, and with them an exploding path of sim-42-0113 was only
  // clamped, to ×9). Else the chosen members whose refits are; else the candidate of lowest
  // backtest MASE whose refit is; else the candidate whose refit lies least outside it, clamped
  // into it (the choice's path clamped sat at the envelope's edge, ×17 on a synthetic jump where
  // Theta's refit was ×2.9 and barely outside).
  const procedureErrors = procedurePaths.map((path, i) => path.map((v, k) => z[origins[i] + k] - v));
  const early = origins.flatMap((o, i) => (o + 2 * h <= z.length ? [i] : []));
  const usual = early.length >= 2 ? calibrate(early.map((i) => procedureErrors[i]), h, early.map((i) => origins[i])) : calibrate(procedureErrors, h, origins);
  const env = widenEnvelope(backtestEnvelope(z, origins, candidates.map((c) => c.paths), h, m), (k) => bounds(usual, k + 1, 0).hi80);
  const last = z[z.length - 1];
  const tested = (s: Scored) => withinEnvelope(s.c.refit(), last, env);
  // Each way out carries the backtest errors of the forecast it gives: its intervals are calibrated
  // on those, not on the original choice's (a fallback to Theta kept the pool's bands).
  const guarded = (): { model: string; path: number[]; errors: number[][] } => {
    if (tested(choice)) return { model: choice.c.model, path: choice.c.refit(), errors: procedureErrors };
    const kept = chosen.filter(tested);
    if (kept.length > 1) {
      const paths = origins.map((_, i) => meanPath(kept.map((s) => s.c.paths[i])));
      return { model: POOL, path: meanPath(kept.map((s) => s.c.refit())), errors: paths.map((path, i) => path.map((v, k) => z[origins[i] + k] - v)) };
    }
    const next = kept[0] ?? [...scored].sort((a, b) => a.report.mase - b.report.mase).find(tested);
    if (next) return { model: next.c.model, path: next.c.refit(), errors: next.errors };
    const nearest = [choice, ...scored].reduce((a, b) => (envelopeExcess(b.c.refit(), last, env) < envelopeExcess(a.c.refit(), last, env) ? b : a));
    return { model: nearest.c.model, path: clampToEnvelope(nearest.c.refit(), last, env), errors: nearest.errors };
  };
  const final = guarded();
  const calibration = calibrate(final.errors, h, origins);
  // A count's point forecast is rounded and can fall just outside a narrow band; each band is
  // widened to hold its own point forecast.
  const finish = (path: number[], cal: Calibration): ForecastPoint[] => path.map((v, i) => {
    const b = bounds(cal, i + 1, v);
    const yhat = point(v);
    return {
      step: i + 1, yhat,
      lo80: Math.min(yhat, back(b.lo80)), hi80: Math.max(yhat, back(b.hi80)),
      lo95: Math.min(yhat, back(b.lo95)), hi95: Math.max(yhat, back(b.hi95)),
    };
  });
  const out: SeriesForecast = {
    model: final.model,
    periods: [...periods],
    points: finish(final.path, calibration),
    backtest: [...scored, ...(pool ? [pool] : [])].map((s) => s.report).sort((a, b) => a.mase - b.mase),
    calibrationErrors: calibration.errors,
    warm,
  };
  if (opts.allForecasts) out.candidates = new Map(scored.map((s) => [s.c.model, finish(s.c.refit(), calibrate(s.errors, h, origins))]));
  return out;
}
