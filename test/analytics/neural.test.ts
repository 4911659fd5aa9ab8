// The global MLP: trained across many series with validation windows after every training
// window, used through the engine like any model.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, it, expect, afterAll } from 'vitest';
import { forecastSeries } from '../../analytics/forecast/backtest.js';
import { neuralModel, trainGlobal, chooseLags, NEURAL } from '../../analytics/forecast/neural.js';
import { normals, rng } from '../helpers/series.js';

// Many "products" of very different sizes sharing a shape: a drifting level, a 12-bucket season, noise.
const z = normals(101);
const u = rng(202);
function simulate(): number[] {
  const size = 10 ** (1 + 3 * u());
  const amp = Array.from({ length: 12 }, () => 0.3 * z());
  let level = 0;
  return Array.from({ length: 130 }, (_, t) => { level += 0.03 * z(); return size * Math.exp(level + amp[t % 12] + 0.05 * z()); });
}
const train = Array.from({ length: 40 }, simulate);
const heldOut = Array.from({ length: 12 }, simulate);
const net = await trainGlobal(train, { lags: 24, horizon: 6, period: 12 });
afterAll(() => net.dispose());

describe('global MLP', () => {
  it('validates on windows after all training windows and keeps the best epoch', () => {
    // The last horizon of each series is its validation window.
    expect(net.stats.validation).toBe(40);
    expect(net.stats.train).toBeGreaterThan(1000);
    expect(net.stats.epochs).toBeGreaterThan(0);
    // It beats seasonal naive on those windows, so it is offered as a candidate.
    expect(net.stats.useful).toBe(true);
  });

  it('forecasts series it never saw, of any size, better than seasonal naive through the engine', () => {
    let mlp = 0;
    let sn = 0;
    for (const y of heldOut) {
      const f = forecastSeries(y, { horizon: 6, periods: [12], models: [neuralModel(net)], combine: [] })!;
      mlp += f.backtest.find((b) => b.model === NEURAL)!.mase / heldOut.length;
      sn += f.backtest.find((b) => b.model === 'seasonal-naive')!.mase / heldOut.length;
    }
    expect(mlp).toBeLessThan(sn);
  });

  it('is scale-equivariant on the log scale: a series × 1000 gets its forecast + ln 1000', () => {
    const y = heldOut[0].map(Math.log);
    const a = net.predict(y);
    const b = net.predict(y.map((v) => v + Math.log(1000)));
    a.forEach((v, i) => expect(b[i] - Math.log(1000)).toBeCloseTo(v, 4));
  });

  it('pads short histories, refuses horizons beyond training, and refuses to train on too little', async () => {
    expect(net.predict([5, 6, 7], 3)).toHaveLength(3);
    expect(() => net.predict(heldOut[0], 7)).toThrow(RangeError);
    await expect(trainGlobal([heldOut[0].slice(0, 40)], { lags: 24, horizon: 6 })).rejects.toThrow(RangeError);
  });

  it('chooses two seasons of lags when the series leave room, fewer when they do not', () => {
    expect(chooseLags(500, 24, 24)).toBe(48);
    expect(chooseLags(100, 24, 24)).toBe(24);
    // A first start: 8 days of hourly history leave about 78 hours before the backtest.
    expect(chooseLags(78, 24, 24)).toBe(12);
  });
});

describe('global MLP training beside a server', () => {
  it('lets the event loop run every few tens of milliseconds while it trains', async () => {
    // Epochs long enough that TF.js's default (a yield every 125 ms) would hold the loop that long.
    const many = Array.from({ length: 160 }, simulate);
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const big = await trainGlobal(many, { lags: 48, horizon: 24, period: 12, epochs: 3 });
    delay.disable();
    big.dispose();
    expect(delay.percentile(50) / 1e6).toBeLessThan(90);
  });
});
