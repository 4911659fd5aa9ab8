import { describe, it, expect } from 'vitest';
import { backtest, backtestOrigins, maseScale, selectModel } from '../../analytics/forecast/backtest.js';
import { dampedEts, etsForecast, fitEts } from '../../analytics/forecast/ets.js';
import { nelderMead } from '../../analytics/forecast/optimize.js';
import { detectSeason } from '../../analytics/forecast/season.js';
import { autocorrelation } from '../../analytics/stats.js';
import { seasonalNaive, seasonalNaiveForecast } from '../../analytics/forecast/seasonal-naive.js';
import { Z80, Z95, type ForecastModel } from '../../analytics/forecast/types.js';
import { normals } from '../helpers/series.js';

describe('seasonal naive', () => {
  it('repeats the last season, with intervals widening per whole season ahead', () => {
    const y = [1, 2, 3, 1, 2, 3, 2, 3, 4];
    const fc = seasonalNaiveForecast(y, 5, 3);
    expect(fc.map((p) => p.yhat)).toEqual([2, 3, 4, 2, 3]);
    // residuals y_t − y_{t−3}: [0,0,0,1,1,1], sample sd √0.3
    const sd = Math.sqrt(0.3);
    expect(fc[0].hi80 - fc[0].yhat).toBeCloseTo(Z80 * sd, 12);
    expect(fc[2].hi95 - fc[2].yhat).toBeCloseTo(Z95 * sd, 12);
    expect(fc[3].hi80 - fc[3].yhat).toBeCloseTo(Z80 * sd * Math.SQRT2, 12);
  });
  it('with m = 1 is the naive forecast', () => {
    expect(seasonalNaiveForecast([5, 7, 6], 3, 1).map((p) => p.yhat)).toEqual([6, 6, 6]);
  });
});

describe('backtest, recomputed by hand', () => {
  // Naive (m = 1), horizon 2, origins 7 and 8.
  const y = [1, 3, 2, 4, 3, 5, 4, 9, 5, 7];
  const opts = { horizon: 2, season: 1, folds: 2, step: 1 };

  it('origins end at n − h, spaced by step', () => {
    expect(backtestOrigins(y.length, opts)).toEqual([7, 8]);
    expect(backtestOrigins(10, { horizon: 3, season: 4, folds: 5 })).toEqual([]);
  });

  it('MASE and coverage', () => {
    // Origin 7: forecasts 4, 4 vs 9, 5 → mean |e| 3; scale mean|Δ| of [1,3,2,4,3,5,4] = 9/6 → 2.
    // Origin 8: forecasts 9, 9 vs 5, 7 → mean |e| 3; scale 14/7 = 2 → 1.5.
    expect(maseScale(y.slice(0, 7), 1)).toBeCloseTo(1.5, 12);
    const r = backtest(y, seasonalNaive, opts);
    expect(r.mase).toBeCloseTo(1.75, 12);
    // 80%: origin 7 k=1 [1.894, 6.106] misses 9; origin 8 k=1 [6.094, 11.906] misses 5; both k=2 hit.
    expect(r.coverage80).toBe(0.5);
    // 95%: origin 7 k=1 [0.779, 7.221] misses 9; the rest hit.
    expect(r.coverage95).toBe(0.75);
    expect(r.origins).toEqual([7, 8]);
  });

  it('fits parameters once, on the data before the first origin', () => {
    const seen: number[] = [];
    const spy: ForecastModel = { name: 'spy', fit: (train) => { seen.push(train.length); return seasonalNaive.fit(train, 1); } };
    backtest(y, spy, opts);
    expect(seen).toEqual([7]);
  });

  it('selectModel picks the lowest MASE and always includes seasonal naive', () => {
    const perfect: ForecastModel = {
      name: 'oracle',
      fit: () => ({ forecast: (h, horizon) => Array.from({ length: horizon }, (_, i) => ({ step: i + 1, yhat: y[h.length + i] ?? 0, lo80: 0, hi80: 0, lo95: 0, hi95: 0 })) }),
    };
    const sel = selectModel(y, [perfect], opts);
    expect(sel.model).toBe('oracle');
    expect(sel.backtest.map((b) => b.model)).toEqual(['seasonal-naive', 'oracle']);
    expect(sel.backtest[1].mase).toBe(0);
    expect(sel.points).toHaveLength(2);
  });
});

describe('Nelder–Mead', () => {
  it('finds the Rosenbrock minimum', () => {
    const m = nelderMead(([a, b]) => (1 - a) ** 2 + 100 * (b - a * a) ** 2, [-1.2, 1], { maxIter: 2000, step: 0.5, tol: 1e-14 });
    expect(m.x[0]).toBeCloseTo(1, 3);
    expect(m.x[1]).toBeCloseTo(1, 3);
  });
});

describe('season detection', () => {
  it('finds the period of a noisy seasonal series with a trend, and none in noise', () => {
    const z = normals(3);
    const seasonal = Array.from({ length: 240 }, (_, t) => 0.5 * t + 10 * Math.sin((2 * Math.PI * t) / 12) + z());
    expect(detectSeason(seasonal)).toBe(12);
    expect(detectSeason(Array.from({ length: 240 }, z))).toBe(1);
    expect(detectSeason([1, 2, 3])).toBe(1);
  });
  it('autocorrelation of an alternating series is −1, +1, …', () => {
    const acf = autocorrelation([1, -1, 1, -1, 1, -1, 1, -1], 2);
    expect(acf[0]).toBeCloseTo(-7 / 8, 12);
    expect(acf[1]).toBeCloseTo(6 / 8, 12);
  });
});

describe('damped exponential smoothing', () => {
  it('parameters stay admissible', () => {
    const z = normals(5);
    const y = Array.from({ length: 120 }, (_, t) => 100 + t + 5 * Math.sin((2 * Math.PI * t) / 12) + z());
    const p = fitEts(y, 12);
    expect(p.season).toBe(12);
    expect(p.alpha).toBeGreaterThan(0);
    expect(p.alpha).toBeLessThan(1);
    expect(p.beta).toBeLessThan(p.alpha);
    expect(p.gamma).toBeLessThan(1 - p.alpha);
    expect(p.phi).toBeGreaterThanOrEqual(0.8);
    expect(p.phi).toBeLessThanOrEqual(0.98);
    expect(fitEts(y.slice(0, 20), 12).season).toBe(1); // fewer than two seasons: none
  });

  it('tracks trend and season far better than seasonal naive', () => {
    const z = normals(9);
    const y = Array.from({ length: 144 }, (_, t) => 50 + 0.8 * t + 10 * Math.sin((2 * Math.PI * t) / 12) + 0.5 * z());
    const opts = { horizon: 12, season: 12, folds: 4 };
    const ets = backtest(y, dampedEts, opts);
    const sn = backtest(y, seasonalNaive, opts);
    expect(ets.mase).toBeLessThan(0.5 * sn.mase);
  });

  it('damped trend levels off: the k-step increments shrink by φ', () => {
    const y = Array.from({ length: 40 }, (_, t) => 2 * t);
    const p = { alpha: 0.5, beta: 0.1, gamma: 0, phi: 0.9, season: 1 };
    const fc = etsForecast(y, 3, p);
    const d1 = fc[1].yhat - fc[0].yhat;
    const d2 = fc[2].yhat - fc[1].yhat;
    expect(d2 / d1).toBeCloseTo(0.9, 6);
  });

  it('80% and 95% intervals cover close to nominal on simulated data', () => {
    // Local level + fixed season + noise (an ETS(A,N,A) process), 60 series.
    const z = normals(21);
    let c80 = 0;
    let c95 = 0;
    const runs = 60;
    for (let s = 0; s < runs; s++) {
      let level = 100;
      const season = Array.from({ length: 12 }, () => 5 * z());
      const y = Array.from({ length: 120 }, (_, t) => { level += 0.3 * z(); return level + season[t % 12] + z(); });
      const r = backtest(y, dampedEts, { horizon: 6, season: 12, folds: 4, step: 6 });
      c80 += r.coverage80 / runs;
      c95 += r.coverage95 / runs;
    }
    expect(c80).toBeGreaterThan(0.72);
    expect(c80).toBeLessThan(0.88);
    expect(c95).toBeGreaterThan(0.9);
    expect(c95).toBeLessThan(0.99);
  });

  it('seasonal naive intervals are exact for a fixed season plus noise', () => {
    const z = normals(33);
    let c80 = 0;
    let c95 = 0;
    const runs = 60;
    for (let s = 0; s < runs; s++) {
      const season = Array.from({ length: 7 }, () => 10 * z());
      const y = Array.from({ length: 100 }, (_, t) => 50 + season[t % 7] + z());
      const r = backtest(y, seasonalNaive, { horizon: 7, season: 7, folds: 4 });
      c80 += r.coverage80 / runs;
      c95 += r.coverage95 / runs;
    }
    expect(Math.abs(c80 - 0.8)).toBeLessThan(0.06);
    expect(Math.abs(c95 - 0.95)).toBeLessThan(0.04);
  });
});
