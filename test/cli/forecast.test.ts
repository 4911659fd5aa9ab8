import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { forecastCommand, parseSeriesCsv } from '../../cli/forecast.js';
import { ValidationError } from '../../core/errors.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'td-forecast-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function run(opts: { input: string; horizon: number; season?: number; json: boolean }): Promise<string> {
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
  it('reads YYYY-MM, YYYY-MM-DD and full ISO, with or without a header', () => {
    expect(parseSeriesCsv('2020-01,1\n2020-02,2\n').step).toEqual({ months: 1 });
    const daily = parseSeriesCsv('day,sales\r\n2020-01-30,1\r\n2020-01-31,2\r\n2020-02-01,3\r\n');
    expect(daily.values).toEqual([1, 2, 3]);
    expect(daily.step).toEqual({ ms: 86_400_000 });
    const hourly = parseSeriesCsv('2020-01-01T00:00:00Z,1\n2020-01-01T01:00:00Z,2\n');
    expect(hourly.step).toEqual({ ms: 3_600_000 });
    expect(hourly.dateOnly).toBe(false);
  });

  it('names the line and the reason for each kind of bad row', () => {
    const cases: [string, number, string][] = [
      ['date,value\n2020-01-01,1\n2020-01-02,x\n', 3, 'not a number'],
      ['2020-01-01,1\n2020-01-02,\n', 2, 'missing'],
      ['2020-01-01,1\n2020-02-30,2\n', 2, 'not a date'],
      ['2020-13-01,1\n2020-01-02,2\n', 1, 'not a date'],
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
  it('prints JSON with the chosen model, points with intervals and the backtest', async () => {
    const out = JSON.parse(await run({ input: file('m.csv', monthly), horizon: 3, json: true }));
    expect(out.horizon).toBe(3);
    expect(out.points.map((p: { ts: string }) => p.ts)).toEqual(['2021-01-01T00:00:00.000Z', '2021-02-01T00:00:00.000Z', '2021-03-01T00:00:00.000Z']);
    for (const p of out.points) expect(p.lo95 <= p.lo80 && p.lo80 <= p.yhat && p.yhat <= p.hi80 && p.hi80 <= p.hi95).toBe(true);
    expect(out.backtest.map((b: { model: string }) => b.model)).toEqual(['seasonal-naive', 'ets-damped', 'mlp-global']);
    const best = Math.min(...out.backtest.map((b: { mase: number }) => b.mase));
    expect(out.backtest.find((b: { model: string }) => b.model === out.model).mase).toBe(best);
    expect(Object.keys(out.backtest[0]).sort()).toEqual(['coverage80', 'mase', 'model']);
  }, 20_000);

  it('prints a table with the model, the forecast and the backtest', async () => {
    const text = await run({ input: file('m2.csv', monthly), horizon: 2, season: 12, json: false });
    expect(text).toMatch(/^model: \S+ \(lowest backtest MASE; season 12, 72 rows\)/);
    expect(text).toContain('2021-01');
    expect(text).toMatch(/seasonal-naive\s+\d/);
    expect(text).toContain('coverage 80%');
  }, 20_000);

  it('rejects too-short input and bad options with typed errors', async () => {
    await expect(run({ input: file('s.csv', '2020-01,1\n2020-02,2\n2020-03,3\n'), horizon: 3, json: true })).rejects.toThrow(/too few to backtest/);
    await expect(run({ input: file('m3.csv', monthly), horizon: 0, json: true })).rejects.toBeInstanceOf(ValidationError);
    await expect(run({ input: join(dir, 'missing.csv'), horizon: 3, json: true })).rejects.toThrow(/cannot read/);
  });
});
