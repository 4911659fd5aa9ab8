// Real series shipped on npm: every model against seasonal naive, by rolling-origin backtest.
// The network is trained only on data before the first backtest origin.
import { describe, it, expect, afterAll } from 'vitest';
import { backtest, backtestOrigins, type BacktestOptions } from '../../analytics/forecast/backtest.js';
import { dampedEts } from '../../analytics/forecast/ets.js';
import { neuralModel, trainGlobal, type NeuralForecaster } from '../../analytics/forecast/neural.js';
import { detectSeason } from '../../analytics/forecast/season.js';
import { seasonalNaive } from '../../analytics/forecast/seasonal-naive.js';
import { co2Monthly, sp500Monthly, usBirthsDaily } from '../helpers/series.js';

const nets: NeuralForecaster[] = [];
afterAll(() => nets.forEach((n) => n.dispose()));

async function compare(y: number[], opts: BacktestOptions) {
  const net = await trainGlobal([y.slice(0, backtestOrigins(y.length, opts)[0])], { lags: Math.max(2 * opts.season, 12), horizon: opts.horizon });
  nets.push(net);
  const [sn, ets, mlp] = [seasonalNaive, dampedEts, neuralModel(net)].map((m) => backtest(y, m, opts));
  return { sn, ets, mlp };
}

describe('real series', () => {
  it('monthly CO2: season 12 detected; ETS and the MLP beat seasonal naive', async () => {
    const y = co2Monthly();
    expect(y).toHaveLength(672);
    expect(detectSeason(y)).toBe(12);
    const r = await compare(y, { horizon: 12, season: 12, folds: 10 });
    // Measured (docs/analytics.md): seasonal naive 1.51, ETS 0.37, MLP 0.47.
    expect(r.ets.mase).toBeLessThan(0.5 * r.sn.mase);
    expect(r.mlp.mase).toBeLessThan(0.6 * r.sn.mase);
    expect(r.ets.coverage95).toBeGreaterThan(0.8);
  }, 30_000);

  it('daily US births: season 7 detected; ETS and the MLP beat seasonal naive', async () => {
    const y = usBirthsDaily();
    expect(y).toHaveLength(5479);
    expect(detectSeason(y)).toBe(7);
    const r = await compare(y, { horizon: 14, season: 7, folds: 10 });
    expect(r.ets.mase).toBeLessThan(0.9 * r.sn.mase);
    expect(r.mlp.mase).toBeLessThan(r.sn.mase);
    expect(r.ets.coverage80).toBeGreaterThan(0.7);
  }, 30_000);

  it('monthly S&P 500 (random-walk-like): no season, and nothing honestly beats naive', async () => {
    const y = sp500Monthly();
    expect(detectSeason(y)).toBe(1);
    const r = await compare(y, { horizon: 6, season: 1, folds: 10 });
    expect(r.ets.mase).toBeGreaterThan(0.95 * r.sn.mase);
    expect(r.mlp.mase).toBeGreaterThan(0.95 * r.sn.mase);
  }, 30_000);
});
