import { describe, it, expect, afterAll } from 'vitest';
import { backtest } from '../../analytics/forecast/backtest.js';
import { neuralModel, trainGlobal } from '../../analytics/forecast/neural.js';
import { seasonalNaive } from '../../analytics/forecast/seasonal-naive.js';
import { normals, rng } from '../helpers/series.js';

// Many "products" of very different sizes sharing a shape: level drift, a 12-bucket season, noise.
const z = normals(101);
const u = rng(202);
function simulate(): number[] {
  const size = 10 ** (1 + 3 * u());
  const amp = Array.from({ length: 12 }, () => z());
  let level = 10;
  return Array.from({ length: 130 }, (_, t) => { level += 0.2 * z(); return size * (level + 2 * amp[t % 12] + 0.5 * z()); });
}
const train = Array.from({ length: 30 }, simulate);
const heldOut = Array.from({ length: 12 }, simulate);
const net = await trainGlobal(train, { lags: 24, horizon: 6 });
afterAll(() => net.dispose());

describe('global MLP', () => {
  it('predicts held-out series of any size better than seasonal naive, with near-nominal coverage', () => {
    const opts = { horizon: 6, season: 12, folds: 4, step: 6 };
    let mlp = 0; let sn = 0; let c80 = 0; let c95 = 0;
    for (const y of heldOut) {
      const r = backtest(y, neuralModel(net), opts);
      mlp += r.mase / heldOut.length;
      c80 += r.coverage80 / heldOut.length;
      c95 += r.coverage95 / heldOut.length;
      sn += backtest(y, seasonalNaive, opts).mase / heldOut.length;
    }
    expect(mlp).toBeLessThan(sn);
    expect(Math.abs(c80 - 0.8)).toBeLessThan(0.12);
    expect(Math.abs(c95 - 0.95)).toBeLessThan(0.07);
  });

  it('is scale-equivariant: a series × 1000 gets its forecast × 1000', () => {
    const y = heldOut[0];
    const a = net.predict(y);
    const b = net.predict(y.map((v) => v * 1000));
    a.forEach((p, i) => {
      expect(b[i].yhat / 1000).toBeCloseTo(p.yhat, 3);
      expect(b[i].hi95 / 1000).toBeCloseTo(p.hi95, 3);
    });
    expect(a.every((p) => p.lo95 <= p.lo80 && p.lo80 <= p.hi80 && p.hi80 <= p.hi95)).toBe(true);
  });

  it('pads short histories, and refuses horizons beyond training', () => {
    expect(net.predict([5, 6, 7], 3)).toHaveLength(3);
    expect(() => net.predict(heldOut[0], 7)).toThrow(RangeError);
  });
});
