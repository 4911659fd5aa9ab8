import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { forecastCommand, parseSeriesCsv, parseDate, type ForecastCommandOptions } from '../../cli/forecast.js';
import { ValidationError } from '../../core/errors.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'td-forecast-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function run(opts: ForecastCommandOptions): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await forecastCommand(opts, out);
  return Buffer.concat(chunks).toString('utf8');
}

function errorOf(fn: () => unknown): ValidationError {
  try { fn(); } catch (e) { if (e instanceof ValidationError) return e; throw e; }
  throw new Error('expected a ValidationError');
}

const monthly = ['date,value', ...Array.from({ length: 72 }, (_, i) => {
  const d = new Date(Date.UTC(2015, i, 1));
  return `${d.toISOString().slice(0, 7)},${(100 + i + 10 * Math.sin((2 * Math.PI * i) / 12) + ((i * 7919) % 13) / 13).toFixed(3)}`;
})].join('\n');

describe('parseSeriesCsv', () => {
  it('reads YYYY-MM, YYYY-MM-DD and full ISO, with or without a header, and infers the step', () => {
    expect(parseSeriesCsv('2020-01,1\n2020-02,2\n')[0].info.step).toBe('month');
    const [daily] = parseSeriesCsv('day,sales\r\n2020-01-30,1\r\n2020-01-31,2\r\n2020-02-01,3\r\n');
    expect(daily.values).toEqual([1, 2, 3]);
    expect(daily.info.step).toBe('day');
    const [hourly] = parseSeriesCsv('2020-01-01T00:00:00Z,1\n2020-01-01T01:00:00Z,2\n');
    expect(hourly.info.step).toBe('hour');
    expect(hourly.dateOnly).toBe(false);
    expect(parseSeriesCsv('2021-01-03,1\n2021-01-10,2\n2021-01-17,3\n')[0].info.step).toBe('week');
  });

  it('ISO date-times with or without a zone: no zone is UTC', () => {
    expect(parseDate('2020-01-01T05:00:00')).toBe(Date.UTC(2020, 0, 1, 5));
    expect(parseDate('2020-01-01 05:00')).toBe(Date.UTC(2020, 0, 1, 5));
    expect(parseDate('2020-01-01T05:00:00+02:00')).toBe(Date.UTC(2020, 0, 1, 3));
    expect(parseDate('2020-01-01T05:00:00.500Z')).toBe(Date.UTC(2020, 0, 1, 5, 0, 0, 500));
    expect(parseDate('2020-02-30T05:00:00')).toBeNull();
    const [s] = parseSeriesCsv('ts,v\n2020-01-01T00:00:00,1\n2020-01-01T01:00:00,2\n2020-01-01T02:00:00,3\n');
    expect(s.ts[0]).toBe(Date.UTC(2020, 0, 1));
  });

  it('reads many series, long (series,date,value) or wide (date,a,b,…)', () => {
    const long = parseSeriesCsv('series,ts,value\na,2020-01,1\nb,2020-01,5\na,2020-02,2\nb,2020-02,6\nb,2020-03,7\n');
    expect(long.map((x) => [x.name, x.values])).toEqual([['a', [1, 2]], ['b', [5, 6, 7]]]);
    // An empty cell is a missing value: the shorter series ends earlier.
    const wide = parseSeriesCsv('date,north,south\n2020-01-01,1,10\n2020-01-02,2,11\n2020-01-03,3,\n');
    expect(wide.map((x) => [x.name, x.values])).toEqual([['north', [1, 2, 3]], ['south', [10, 11]]]);
  });

  it('names the line and the reason for each kind of bad row', () => {
    const cases: [string, number, string][] = [
      ['date,value\n2020-01-01,1\n2020-01-02,x\n', 3, 'not a number'],
      ['2020-01-01,1\n2020-01-02,\n', 2, 'missing'],
      ['2020-01-01,1\n2020-02-30,2\n', 2, 'not a date'],
      ['2020-01-01,1\n2020-13-02,2\n', 2, 'not a date'],
      ['2020-01-01,1\n2020-01-02,2,3\n', 2, 'expected 2 fields'],
      ['2020-01-02,1\n2020-01-01,2\n', 2, 'must increase'],
      ['h,v\n\n2020-01-01,1\n2020-01-02,2\n2020-01-04,3\n', 5, 'evenly spaced'],
    ];
    for (const [text, line, reason] of cases) {
      const e = errorOf(() => parseSeriesCsv(text, 'x.csv'));
      expect(e.message).toContain(`x.csv:${line}:`);
      expect(e.message).toContain(reason);
      expect(e.details[0].index).toBe(line);
    }
    expect(errorOf(() => parseSeriesCsv('date,value\n2020-01-01,1\n')).message).toContain('at least 2 rows');
  });
});

describe('forecastCommand', () => {
  it('prints JSON with the chosen model, points with calibrated intervals and the backtest', async () => {
    const out = JSON.parse(await run({ input: file('m.csv', monthly), horizon: 3, json: true }));
    expect(out).toMatchObject({ horizon: 3, interval: '1mo', seasons: [12] });
    expect(out.points.map((p: { ts: string }) => p.ts)).toEqual(['2021-01-01T00:00:00.000Z', '2021-02-01T00:00:00.000Z', '2021-03-01T00:00:00.000Z']);
    for (const p of out.points) expect(p.lo95 <= p.lo80 && p.lo80 <= p.yhat && p.yhat <= p.hi80 && p.hi80 <= p.hi95).toBe(true);
    // Every candidate, and the pool (the mean of those within noise of the best) when it is the choice.
    const models = out.backtest.map((b: { model: string }) => b.model);
    expect(models.filter((m: string) => m !== 'pool').sort()).toEqual(['airline', 'comb-shd', 'combination', 'ets', 'seasonal-naive', 'stl-ets', 'theta']);
    expect(models).toContain(out.model);
    expect(Object.keys(out.backtest[0]).sort()).toEqual(['coverage80', 'coverage95', 'margin80', 'margin95', 'mase', 'model', 'points', 'relativeMase', 'smape']);
    expect(out.backtest.find((b: { model: string }) => b.model === 'seasonal-naive').relativeMase).toBe(1);
    for (const b of out.backtest) expect(b.margin80).toBeGreaterThan(0);
  }, 30_000);

  it('prints a table with the model, the forecast and the backtest', async () => {
    const text = await run({ input: file('m2.csv', monthly), horizon: 2, season: 12, json: false });
    expect(text).toMatch(/^model: \S+ \(chosen by backtest; monthly, season 12, 72 rows\)/);
    expect(text).toContain('2021-01');
    expect(text).toMatch(/seasonal-naive\s+\d/);
    // MASE, then MASE ÷ seasonal naive's on the same windows: 1 for seasonal naive itself.
    expect(text).toMatch(/seasonal-naive\s+[\d.]+\s+1\s/);
    expect(text).toContain('coverage 80%');
    // Each coverage with its margin: "83.3% ±12.1%".
    expect(text).toMatch(/seasonal-naive\s.*%\s±\d/);
  }, 30_000);

  it('--evaluate: per model MASE, relative to seasonal naive, sMAPE and coverage, over many series', async () => {
    const rows = ['series,ts,value'];
    for (const name of ['a', 'b', 'c']) {
      for (let i = 0; i < 72; i++) rows.push(`${name},${new Date(Date.UTC(2015, i, 1)).toISOString().slice(0, 7)},${(100 + (name.charCodeAt(0) - 96) * i + 10 * Math.sin((2 * Math.PI * i) / 12) + ((i * 7919) % 13) / 13).toFixed(3)}`);
    }
    const out = JSON.parse(await run({ input: file('many.csv', rows.join('\n')), json: true, evaluate: true, neural: false }));
    expect(out).toMatchObject({ step: '1mo', horizon: 12, windows: 1, series: 3, tooShort: [] });
    const selected = out.models.find((m: { model: string }) => m.model === 'selected');
    expect(selected.points).toBe(36);
    const naive = out.models.find((m: { model: string }) => m.model === 'seasonal-naive');
    expect(naive.relativeMase).toBe(1);
    // A trend the seasonal naive cannot follow: every other model is far better.
    expect(selected.relativeMase).toBeLessThan(0.6);
    expect(out.perSeries).toHaveLength(3);
    const text = await run({ input: file('many2.csv', rows.join('\n')), json: false, evaluate: true, neural: false });
    expect(text).toMatch(/^3 series, monthly; last 12 points of each held out/);
    expect(text).toContain('forecast time per series');
  }, 60_000);

  it('rejects too-short input, several series without --evaluate, and bad options with typed errors', async () => {
    await expect(run({ input: file('s.csv', '2020-01,1\n2020-02,2\n2020-03,3\n'), horizon: 3, json: true })).rejects.toThrow(/too few to backtest/);
    await expect(run({ input: file('m3.csv', monthly), horizon: 0, json: true })).rejects.toBeInstanceOf(ValidationError);
    await expect(run({ input: join(dir, 'missing.csv'), horizon: 3, json: true })).rejects.toThrow(/cannot read/);
    await expect(run({ input: file('two.csv', 'date,a,b\n2020-01,1,2\n2020-02,2,3\n'), horizon: 3, json: true })).rejects.toThrow(/--evaluate/);
  });
});
