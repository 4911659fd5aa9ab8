// `trenddrop forecast`: forecast a series from a CSV with every model, choose one by rolling
// backtest MASE, and print the forecast with calibrated intervals and the backtest table; with
// `--evaluate`, hold out the end of one or many series and report each model's accuracy.
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { ValidationError } from '../core/errors.js';
import { addSteps, inferStep, seasonsOf, STEPS, type Step, type StepInfo } from '../analytics/granularity.js';
import { backtestOrigins, forecastSeries, minTrain, relativeMase } from '../analytics/forecast/backtest.js';
import { evaluateAll, SELECTED, summarize, type ModelSummary } from '../analytics/forecast/evaluate.js';
import { chooseLags, neuralModel, trainGlobal, type NeuralForecaster } from '../analytics/forecast/neural.js';
import { statisticalModels } from '../analytics/forecast/models.js';
import type { ForecastModel } from '../analytics/forecast/types.js';

export interface ForecastCommandOptions {
  input: string;
  /** Steps ahead; for --evaluate, defaults per step (48 hours, 14 days, 13 weeks, 12 months). */
  horizon?: number;
  season?: number;
  json: boolean;
  evaluate?: boolean;
  /** --evaluate: test windows held out at the end of each series. */
  windows?: number;
  /** --evaluate: train the global MLP across the series too (default: for hourly series, the only ones the app trains it on). */
  neural?: boolean;
}

export interface Series {
  name: string;
  ts: number[];
  values: number[];
  info: StepInfo;
  /** Every date was written without a time of day. */
  dateOnly: boolean;
}

/** Held out by `--evaluate` unless --horizon says otherwise: the M4 competition's horizons, monthly 12. */
export const EVALUATION_HORIZON: Record<Step, number> = { hour: 48, day: 14, week: 13, month: 12 };

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const MONTH = /^(\d{4})-(\d{2})$/;
// Full ISO 8601 date-time; without a zone it is read as UTC (not as the machine's local time).
const FULL_ISO = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(:\d{2}(\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?$/;

function bad(file: string, line: number, field: string, reason: string): ValidationError {
  return new ValidationError(`${file}:${line}: ${reason}`, [{ index: line, field, reason }]);
}

/** Milliseconds since the epoch, or null when `raw` is not a date this command reads. */
export function parseDate(raw: string): number | null {
  const month = MONTH.exec(raw);
  if (month) {
    const m = Number(month[2]);
    return m >= 1 && m <= 12 ? Date.UTC(Number(month[1]), m - 1, 1) : null;
  }
  const iso = FULL_ISO.exec(raw);
  const date = iso ? iso[1] : DATE_ONLY.test(raw) ? raw : null;
  if (!date) return null;
  const t = Date.parse(iso ? `${iso[1]}T${iso[2]}${iso[5] ?? 'Z'}` : `${raw}T00:00:00Z`);
  if (Number.isNaN(t)) return null;
  // Date.parse would roll 2021-02-30 over into March; a real date round-trips (its zone aside).
  const check = new Date(iso?.[5] ? Date.parse(`${date}T00:00:00Z`) : t).toISOString().slice(0, 10);
  return check === date ? t : null;
}

const isDate = (raw: string) => parseDate(raw) !== null;
const unquote = (s: string) => s.trim().replace(/^"(.*)"$/, '$1').trim();

interface Row { line: number; date: string; t: number; value: number }

/**
 * Reads one or many series from CSV text, in any of three layouts, told apart by where the
 * dates are: `date,value` (one series), long `series,date,value` (any order of series), or wide
 * `date,a,b,…` (a header names the series; an empty cell is a missing value). A header is a
 * first line with no date where dates go. Each series must have increasing dates, evenly spaced
 * at its native step (hourly, daily, weekly or monthly; gaps are refused, not zero-filled).
 */
export function parseSeriesCsv(text: string, file = 'input'): Series[] {
  const lines = text.split(/\r?\n/).map((raw, i) => ({ line: i + 1, fields: raw.split(',').map(unquote) })).filter((l) => l.fields.some((f) => f !== ''));
  if (!lines.length) throw new ValidationError(`${file}: no rows`, [{ field: 'rows', reason: 'found 0' }]);
  const probe = lines.find((l) => l.fields.some(isDate));
  if (!probe) throw bad(file, lines[0].line, 'date', 'no date found (YYYY-MM-DD, YYYY-MM or ISO 8601 date-time)');
  const long = probe.fields.length === 3 && !isDate(probe.fields[0]) && isDate(probe.fields[1]);
  const width = probe.fields.length;
  let names: string[];
  let body = lines;
  const headerLine = lines[0] !== probe && !isDate(lines[0].fields[long ? 1 : 0]) ? lines[0] : null;
  if (headerLine) body = lines.slice(1);
  if (long) names = [];
  else if (width === 2) names = [headerLine?.fields[1] || 'value'];
  else names = headerLine ? headerLine.fields.slice(1) : Array.from({ length: width - 1 }, (_, i) => `series${i + 1}`);

  const rows = new Map<string, Row[]>();
  const push = (name: string, r: Row) => { const list = rows.get(name) ?? []; list.push(r); rows.set(name, list); };
  for (const { line, fields } of body) {
    if (fields.length !== width) throw bad(file, line, 'row', `expected ${width} fields (${long ? 'series,date,value' : width === 2 ? 'date,value' : 'date and one value per series'}), got ${fields.length}`);
    const dateField = long ? fields[1] : fields[0];
    const t = parseDate(dateField);
    if (t === null) throw bad(file, line, 'date', `"${dateField}" is not a date (YYYY-MM-DD, YYYY-MM or ISO 8601 date-time; no zone means UTC)`);
    const cells = long ? [{ name: fields[0], raw: fields[2] }] : names.map((name, i) => ({ name, raw: fields[i + 1] }));
    for (const { name, raw } of cells) {
      if (raw === '') {
        if (width === 2 || long) throw bad(file, line, 'value', 'value is missing');
        continue;
      }
      const value = Number(raw);
      if (!Number.isFinite(value)) throw bad(file, line, 'value', `"${raw}" is not a number`);
      push(name, { line, date: dateField, t, value });
    }
  }
  return [...rows].map(([name, list]) => toSeries(file, name, list));
}

function toSeries(file: string, name: string, rows: Row[]): Series {
  const label = name === 'value' ? '' : ` (series ${name})`;
  if (rows.length < 2) throw new ValidationError(`${file}${label}: needs at least 2 rows`, [{ field: 'rows', reason: `found ${rows.length}` }]);
  for (let i = 1; i < rows.length; i++) {
    if (rows[i].t <= rows[i - 1].t) throw bad(file, rows[i].line, 'date', `dates must increase${label}: ${rows[i].date} is not after ${rows[i - 1].date}`);
  }
  const info = inferStep(rows.map((r) => r.t));
  const dateOnly = rows.every((r) => DATE_ONLY.test(r.date) || MONTH.test(r.date));
  for (let i = 1; i < rows.length; i++) {
    const expected = addSteps(rows[i - 1].t, 1, info);
    if (rows[i].t !== expected) {
      throw bad(file, rows[i].line, 'date', `rows must be evenly spaced at the series' ${STEPS[info.step].label} step${label}: expected ${formatTs(expected, dateOnly)} after ${rows[i - 1].date} (fill in missing rows)`);
    }
  }
  return { name, ts: rows.map((r) => r.t), values: rows.map((r) => r.value), info, dateOnly };
}

function formatTs(t: number, dateOnly: boolean): string {
  const iso = new Date(t).toISOString();
  return dateOnly ? iso.slice(0, 10) : iso;
}

const num = (v: number) => (Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: 3, useGrouping: false }) : Number.isNaN(v) ? '–' : '∞');
const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : '–');
const jsonNum = (v: number) => (Number.isFinite(v) ? v : null);

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n') + '\n';
}

function positiveInt(name: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new ValidationError(`${name} must be a positive integer`, [{ field: name, reason: `got ${v}` }]);
}

async function readSeries(input: string): Promise<Series[]> {
  let text: string;
  try {
    text = await readFile(input, 'utf8');
  } catch (e) {
    throw new ValidationError(`cannot read ${input}: ${(e as Error).message}`, [{ field: 'input', reason: 'unreadable' }]);
  }
  return parseSeriesCsv(text, input);
}

export async function forecastCommand(opts: ForecastCommandOptions, out: NodeJS.WritableStream): Promise<void> {
  positiveInt('horizon', opts.horizon);
  positiveInt('season', opts.season);
  positiveInt('windows', opts.windows);
  const series = await readSeries(opts.input);
  if (opts.evaluate) return evaluateCommand(series, opts, out);
  if (series.length > 1) throw new ValidationError(`${opts.input}: ${series.length} series; forecast one at a time, or compare models on all with --evaluate`, [{ field: 'input', reason: 'several series' }]);
  if (opts.horizon === undefined) throw new ValidationError('horizon is required', [{ field: 'horizon', reason: 'missing' }]);
  await forecastOne(series[0], { ...opts, horizon: opts.horizon }, out);
}

async function forecastOne(s: Series, opts: ForecastCommandOptions & { horizon: number }, out: NodeJS.WritableStream): Promise<void> {
  const y = s.values;
  const periods = opts.season ? (opts.season > 1 ? [opts.season] : []) : seasonsOf(y, s.info.step);
  const origins = backtestOrigins(y.length, opts.horizon, periods);
  if (!origins.length) {
    const need = minTrain(periods) + opts.horizon;
    throw new ValidationError(`${opts.input}: ${y.length} rows are too few to backtest a horizon of ${opts.horizon} with season ${periods[0] ?? 'none'}; need at least ${need}`, [{ field: 'rows', reason: `found ${y.length}` }]);
  }
  // The network learns only from data before the first backtest origin, so its backtest is honest.
  const models: ForecastModel[] = [...statisticalModels(s.info.step)];
  let net: NeuralForecaster | undefined;
  let skipped = '';
  try {
    const train = y.slice(0, origins[0]);
    net = await trainGlobal([train], { lags: chooseLags(train.length, opts.horizon, periods[0] ?? 1), horizon: opts.horizon, period: periods[0] ?? 1 });
    if (net.stats.useful) models.push(neuralModel(net));
    else skipped = `mlp-global left out: no better than seasonal naive on its validation windows (MAE ${net.stats.validationMae.toFixed(3)} vs ${net.stats.naiveMae.toFixed(3)})`;
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    skipped = `mlp-global skipped: ${e.message}`;
  }
  try {
    const f = forecastSeries(y, { horizon: opts.horizon, periods, models })!;
    const at = (step: number) => addSteps(s.ts[s.ts.length - 1], step, s.info);
    if (opts.json) {
      out.write(JSON.stringify({
        model: f.model,
        horizon: opts.horizon,
        interval: STEPS[s.info.step].interval,
        seasons: f.periods,
        points: f.points.map((p) => ({ ts: new Date(at(p.step)).toISOString(), yhat: p.yhat, lo80: p.lo80, hi80: p.hi80, lo95: p.lo95, hi95: p.hi95 })),
        backtest: f.backtest.map((r) => ({ model: r.model, mase: jsonNum(r.mase), relativeMase: jsonNum(relativeMase(r.mase, f.backtest)), smape: jsonNum(r.smape), coverage80: jsonNum(r.coverage80), coverage95: jsonNum(r.coverage95), margin80: jsonNum(r.margin80), margin95: jsonNum(r.margin95), points: r.points })),
      }) + '\n');
      return;
    }
    out.write(`model: ${f.model} (chosen by backtest; ${STEPS[s.info.step].label}, season ${f.periods.length ? f.periods.join(' and ') : 'none'}, ${y.length} rows)\n\n`);
    out.write(table([
      ['date', 'forecast', '80% low', '80% high', '95% low', '95% high'],
      ...f.points.map((p) => [formatTs(at(p.step), s.dateOnly), num(p.yhat), num(p.lo80), num(p.hi80), num(p.lo95), num(p.hi95)]),
    ]));
    out.write(`\nbacktest: ${f.backtest[0].origins} origins × horizon ${opts.horizon}; MASE scaled by in-sample seasonal naive, and ÷ seasonal naive's MASE on the same windows; intervals from backtest errors (${f.calibrationErrors} of them); coverage ± its 95% margin across origins\n\n`);
    out.write(table([
      ['model', 'MASE', '÷ s-naive', 'sMAPE %', 'coverage 80%', 'coverage 95%', 'points'],
      ...f.backtest.map((r) => [r.model + (r.model === f.model ? ' *' : ''), num(r.mase), num(relativeMase(r.mase, f.backtest)), num(r.smape), `${pct(r.coverage80)} ±${pct(r.margin80)}`, `${pct(r.coverage95)} ±${pct(r.margin95)}`, String(r.points)]),
    ]));
    if (skipped) out.write(`\n${skipped}\n`);
  } finally {
    net?.dispose();
  }
}

/** One step for all series of an evaluation: the coarsest is refused when they differ. */
function commonStep(series: Series[], input: string): Step {
  const steps = [...new Set(series.map((s) => s.info.step))];
  if (steps.length > 1) throw new ValidationError(`${input}: series at different steps (${steps.join(', ')}); evaluate one step at a time`, [{ field: 'input', reason: 'mixed steps' }]);
  return steps[0];
}

async function evaluateCommand(series: Series[], opts: ForecastCommandOptions, out: NodeJS.WritableStream): Promise<void> {
  const step = commonStep(series, opts.input);
  const horizon = opts.horizon ?? EVALUATION_HORIZON[step];
  const windows = opts.windows ?? 1;
  const run = await evaluateAll(series.map((s) => s.values), {
    step, horizon, windows, models: statisticalModels(step), neural: opts.neural ?? step === 'hour',
    ...(opts.season ? { periods: opts.season > 1 ? [opts.season] : [] } : {}),
  });
  const scored = run.evaluations.flatMap((e, i) => (e ? [{ s: series[i], e }] : []));
  const tooShort = series.filter((_, i) => !run.evaluations[i]).map((s) => s.name);
  if (!scored.length) throw new ValidationError(`${opts.input}: no series is long enough to hold out ${windows} × ${horizon} points and backtest before them`, [{ field: 'rows', reason: 'too short' }]);
  const summary = summarize(scored.map((x) => x.e));
  const ms = scored.flatMap((x) => x.e.ms).sort((a, b) => a - b);
  const cpu = scored.flatMap((x) => x.e.cpuMs).sort((a, b) => a - b);
  const at = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.floor(q * (xs.length - 1)))];
  const [load1] = loadavg();
  // Wall time on a shared machine counts other processes' turns; CPU time is this forecast's own work.
  const timing = { medianMs: at(ms, 0.5), p95Ms: at(ms, 0.95), cpuMedianMs: at(cpu, 0.5), cpuP95Ms: at(cpu, 0.95), forecasts: ms.length, loadAverage: load1 };
  if (opts.json) {
    out.write(JSON.stringify({
      step: STEPS[step].interval, horizon, windows, series: scored.length, tooShort,
      models: summary.map((m) => ({ ...m, mase: jsonNum(m.mase), smape: jsonNum(m.smape), coverage80: jsonNum(m.coverage80), coverage95: jsonNum(m.coverage95), margin80: jsonNum(m.margin80), margin95: jsonNum(m.margin95), relativeMase: jsonNum(m.relativeMase) })),
      timing, neural: run.neuralStats ?? { skipped: run.neuralSkipped ?? 'not requested' },
      perSeries: scored.map(({ s, e }) => ({ series: s.name, n: s.values.length, seasons: e.periods, windows: e.windows.map((w) => Object.fromEntries(w.map((x) => [x.model, { mase: jsonNum(x.mase), smape: jsonNum(x.smape), in80: x.in80, in95: x.in95, points: x.points }]))) })),
    }) + '\n');
    return;
  }
  out.write(`${scored.length} series, ${STEPS[step].label}; last ${windows === 1 ? '' : `${windows} × `}${horizon} points of each held out, forecast from everything before\n`);
  out.write('MASE scaled by the in-sample seasonal-naive error; relative = geometric mean over series of MASE ÷ seasonal naive\'s\n');
  out.write('coverage ± its 95% margin from how much the windows\' coverages differ (at least the binomial margin on the points: the points of one window are not independent)\n\n');
  const order = (m: ModelSummary) => (m.model === SELECTED ? 1 : 0);
  out.write(table([
    ['model', 'MASE', 'relative', 'sMAPE %', 'coverage 80%', 'coverage 95%', 'points'],
    ...[...summary].sort((a, b) => order(a) - order(b)).map((m) => [
      m.model === SELECTED ? 'selected (chosen per series by backtest)' : m.model,
      num(m.mase), num(m.relativeMase), num(m.smape), `${pct(m.coverage80)} ±${pct(m.margin80)}`, `${pct(m.coverage95)} ±${pct(m.margin95)}`, String(m.points),
    ]),
  ]));
  out.write(`\nforecast time per series (backtest, selection, refit, intervals; every candidate refitted for this report): CPU median ${timing.cpuMedianMs.toFixed(1)} ms, p95 ${timing.cpuP95Ms.toFixed(1)} ms; wall median ${timing.medianMs.toFixed(1)} ms, p95 ${timing.p95Ms.toFixed(1)} ms over ${timing.forecasts} (load average ${timing.loadAverage.toFixed(1)})\n`);
  if (run.neuralSkipped) out.write(`mlp-global left out: ${run.neuralSkipped}\n`);
  else if (run.neuralStats) out.write(`mlp-global: trained once across the series on data before their backtests (${run.neuralStats.train} windows, ${run.neuralStats.validation} validation windows, lags ${run.neuralStats.lags}, ${run.neuralStats.epochs} epochs, ${(run.neuralStats.ms / 1000).toFixed(1)} s)\n`);
  if (tooShort.length) out.write(`too short to evaluate: ${tooShort.length} series (${tooShort.slice(0, 5).join(', ')}${tooShort.length > 5 ? ', …' : ''})\n`);
}
