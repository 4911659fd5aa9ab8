// `trenddrop forecast`: forecast a `date,value` CSV with every model, choose one by rolling
// backtest MASE, and print the forecast with its intervals and the backtest table.
import { readFile } from 'node:fs/promises';
import { ValidationError } from '../core/errors.js';
import { backtestOrigins, selectModel, type BacktestOptions } from '../analytics/forecast/backtest.js';
import { dampedEts } from '../analytics/forecast/ets.js';
import { neuralModel, trainGlobal, type NeuralForecaster } from '../analytics/forecast/neural.js';
import { detectSeason } from '../analytics/forecast/season.js';
import { seasonalNaive } from '../analytics/forecast/seasonal-naive.js';
import type { ForecastModel } from '../analytics/forecast/types.js';

export interface ForecastCommandOptions { input: string; horizon: number; season?: number; json: boolean }

/** Rows are either whole months (`YYYY-MM`, or dates on the 1st a month apart) or a fixed step in ms. */
type Step = { months: number } | { ms: number };

export interface Series { ts: number[]; values: number[]; step: Step; dateOnly: boolean }

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const MONTH = /^(\d{4})-(\d{2})$/;
const FULL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

const FOLDS = 5;

function bad(file: string, line: number, field: string, reason: string): ValidationError {
  return new ValidationError(`${file}:${line}: ${reason}`, [{ index: line, field, reason }]);
}

function parseDate(raw: string): number | null {
  const month = MONTH.exec(raw);
  if (month) {
    const m = Number(month[2]);
    return m >= 1 && m <= 12 ? Date.UTC(Number(month[1]), m - 1, 1) : null;
  }
  if (DATE_ONLY.test(raw)) {
    const t = Date.parse(`${raw}T00:00:00Z`);
    // Date.parse would roll 2021-02-30 over into March; a real date round-trips.
    return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === raw ? t : null;
  }
  const t = FULL_ISO.test(raw) ? Date.parse(raw) : Number.NaN;
  return Number.isNaN(t) ? null : t;
}

const unquote = (s: string) => s.trim().replace(/^"(.*)"$/, '$1').trim();

const addMonths = (t: number, k: number) => { const d = new Date(t); return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + k, 1); };

/** Parses and checks a `date,value` CSV: optional header, increasing dates, regular spacing. */
export function parseSeriesCsv(text: string, file = 'input'): Series {
  const ts: number[] = [];
  const values: number[] = [];
  const rowLine: number[] = [];
  let dateOnly = true;
  let monthly = true;
  let seenLine = false;
  text.split(/\r?\n/).forEach((rawLine, i) => {
    const lineNo = i + 1;
    if (!rawLine.trim()) return;
    const fields = rawLine.split(',').map(unquote);
    // A header is a first line whose first field has no digit ("date", "month"); a malformed
    // date such as 2020-13-01 still has digits and is reported, not skipped.
    const isHeader = !seenLine && !/\d/.test(fields[0]);
    seenLine = true;
    if (isHeader) return;
    if (fields.length !== 2) throw bad(file, lineNo, 'row', `expected 2 fields (date,value), got ${fields.length}`);
    const t = parseDate(fields[0]);
    if (t === null) throw bad(file, lineNo, 'date', `"${fields[0]}" is not a date (YYYY-MM-DD, YYYY-MM or full ISO 8601)`);
    if (fields[1] === '') throw bad(file, lineNo, 'value', 'value is missing');
    const v = Number(fields[1]);
    if (!Number.isFinite(v)) throw bad(file, lineNo, 'value', `"${fields[1]}" is not a number`);
    if (ts.length && t <= ts[ts.length - 1]) throw bad(file, lineNo, 'date', `dates must increase: ${fields[0]} is not after the previous row`);
    if (!DATE_ONLY.test(fields[0]) && !MONTH.test(fields[0])) dateOnly = false;
    if (new Date(t).getUTCDate() !== 1 || t % 86_400_000 !== 0) monthly = false;
    ts.push(t);
    values.push(v);
    rowLine.push(lineNo);
  });
  if (ts.length < 2) throw new ValidationError(`${file}: needs at least 2 rows of date,value`, [{ field: 'rows', reason: `found ${ts.length}` }]);

  // Month starts a month apart are monthly; anything else must keep the first interval.
  const d0 = new Date(ts[0]);
  const d1 = new Date(ts[1]);
  const months = (d1.getUTCFullYear() - d0.getUTCFullYear()) * 12 + d1.getUTCMonth() - d0.getUTCMonth();
  const step: Step = monthly ? { months } : { ms: ts[1] - ts[0] };
  for (let i = 1; i < ts.length; i++) {
    const expected = 'months' in step ? addMonths(ts[i - 1], step.months) : ts[i - 1] + step.ms;
    if (ts[i] !== expected) {
      throw bad(file, rowLine[i], 'date', `rows must be evenly spaced: expected ${formatTs(expected, dateOnly)} after the previous row (fill in missing rows)`);
    }
  }
  return { ts, values, step, dateOnly };
}

function formatTs(t: number, dateOnly: boolean): string {
  const iso = new Date(t).toISOString();
  return dateOnly ? iso.slice(0, 10) : iso;
}

function nextTs(s: Series, k: number): number {
  const last = s.ts[s.ts.length - 1];
  return 'months' in s.step ? addMonths(last, s.step.months * k) : last + s.step.ms * k;
}

const num = (v: number) => (Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: 3, useGrouping: false }) : '∞');

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n') + '\n';
}

function positiveInt(name: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new ValidationError(`${name} must be a positive integer`, [{ field: name, reason: `got ${v}` }]);
}

export async function forecastCommand(opts: ForecastCommandOptions, out: NodeJS.WritableStream): Promise<void> {
  positiveInt('horizon', opts.horizon);
  positiveInt('season', opts.season);
  let text: string;
  try {
    text = await readFile(opts.input, 'utf8');
  } catch (e) {
    throw new ValidationError(`cannot read ${opts.input}: ${(e as Error).message}`, [{ field: 'input', reason: 'unreadable' }]);
  }
  const series = parseSeriesCsv(text, opts.input);
  const y = series.values;
  const season = opts.season ?? detectSeason(y);
  const bt: BacktestOptions = { horizon: opts.horizon, season, folds: FOLDS };
  const origins = backtestOrigins(y.length, bt);
  if (!origins.length) {
    const need = 2 * Math.max(1, season) + 2 + opts.horizon;
    throw new ValidationError(`${opts.input}: ${y.length} rows are too few to backtest a horizon of ${opts.horizon} with season ${season}; need at least ${need}`, [{ field: 'rows', reason: `found ${y.length}` }]);
  }

  // The network learns only from data before the first backtest origin, so its backtest is honest.
  const models: ForecastModel[] = [seasonalNaive, dampedEts];
  let net: NeuralForecaster | undefined;
  let skipped = '';
  try {
    net = await trainGlobal([y.slice(0, origins[0])], { lags: Math.max(2 * season, 8), horizon: opts.horizon });
    models.push(neuralModel(net));
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    skipped = `mlp-global skipped: ${e.message}`;
  }
  try {
    const sel = selectModel(y, models, bt);
    if (opts.json) {
      out.write(JSON.stringify({
        model: sel.model,
        horizon: opts.horizon,
        points: sel.points.map((p) => ({ ts: new Date(nextTs(series, p.step)).toISOString(), yhat: p.yhat, lo80: p.lo80, hi80: p.hi80, lo95: p.lo95, hi95: p.hi95 })),
        backtest: sel.backtest.map((r) => ({ model: r.model, mase: Number.isFinite(r.mase) ? r.mase : null, coverage80: r.coverage80 })),
      }) + '\n');
      return;
    }
    out.write(`model: ${sel.model} (lowest backtest MASE; season ${season > 1 ? season : 'none'}, ${y.length} rows)\n\n`);
    out.write(table([
      ['date', 'forecast', '80% low', '80% high', '95% low', '95% high'],
      ...sel.points.map((p) => [formatTs(nextTs(series, p.step), series.dateOnly), num(p.yhat), num(p.lo80), num(p.hi80), num(p.lo95), num(p.hi95)]),
    ]));
    out.write(`\nbacktest: ${sel.backtest[0].origins.length} origins × horizon ${opts.horizon}; MASE scaled by in-sample seasonal naive\n\n`);
    out.write(table([
      ['model', 'MASE', 'coverage 80%', 'coverage 95%'],
      ...sel.backtest.map((r) => [r.model + (r.model === sel.model ? ' *' : ''), num(r.mase), num(r.coverage80), num(r.coverage95)]),
    ]));
    if (skipped) out.write(`\n${skipped}\n`);
  } finally {
    net?.dispose();
  }
}
