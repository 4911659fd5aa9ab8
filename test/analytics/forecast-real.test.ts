// Real series shipped on npm, evaluated as an analyst would: the end held out, everything before
// it used to test seasons, backtest, choose and calibrate. Figures in docs/analytics.md.
import { describe, it, expect } from 'vitest';
import { evaluateAll, SELECTED, summarize } from '../../analytics/forecast/evaluate.js';
import { statisticalModels } from '../../analytics/forecast/models.js';
import { co2Monthly, usBirthsDaily } from '../helpers/series.js';

async function evaluate(y: number[], step: 'day' | 'month', horizon: number, windows: number) {
  const run = await evaluateAll([y], { step, horizon, windows, models: statisticalModels(step) });
  const byModel = new Map(summarize(run.evaluations.filter((e) => e !== null)).map((m) => [m.model, m]));
  return { periods: run.evaluations[0]!.periods, get: (m: string) => byModel.get(m)! };
}

describe('real series', () => {
  it('monthly CO2 (vega-datasets): season 12; the chosen model has well under 0.6× seasonal naive\'s MASE', async () => {
    const r = await evaluate(co2Monthly(), 'month', 12, 5);
    expect(r.periods).toEqual([12]);
    expect(r.get(SELECTED).relativeMase).toBeLessThan(0.6);
    expect(r.get(SELECTED).coverage95).toBeGreaterThan(0.75);
  }, 60_000);

  it('daily US births (@stdlib): season 7; exponential smoothing beats weekly seasonal naive, and the chosen model (harmonic regression with the year) is under 0.9×', async () => {
    const r = await evaluate(usBirthsDaily().slice(-3 * 365), 'day', 14, 6);
    expect(r.periods).toEqual([7]);
    expect(r.get('ets').relativeMase).toBeLessThan(0.95);
    expect(r.get('harmonic').relativeMase).toBeLessThan(0.8);
    expect(r.get(SELECTED).relativeMase).toBeLessThan(0.9);
  }, 60_000);
});
