// Lifecycle stages and the time to peak on curves whose answer is known.
import { describe, expect, it } from 'vitest';
import { lifecycle, lifecycleOf } from '../../analytics/lifecycle.js';
import { normals } from '../helpers/series.js';

const z = normals(17);
/** A log-level path f(t) for t = −(n−1)…0 (0 = the last bucket), with noise, and its continuation 1…h. */
function path(f: (t: number) => number, n = 72, h = 24, noise = 0.02) {
  return {
    adjusted: Array.from({ length: n }, (_, i) => f(i - (n - 1)) + noise * z()),
    forecast: Array.from({ length: h }, (_, k) => f(k + 1)),
    window: n,
    seen: 10 * n,
  };
}

describe('lifecycle', () => {
  it('a bell whose top is 10 steps ahead is peaking, the peak dated inside its interval', () => {
    const lc = lifecycle(path((t) => 5 - 0.002 * (t - 10) ** 2))!;
    expect(lc.stage).toBe('peaking');
    expect(lc.peak!.steps).toBeGreaterThan(6);
    expect(lc.peak!.steps).toBeLessThan(14);
    expect(lc.peak!.lo).toBeLessThanOrEqual(10);
    expect(lc.peak!.hi).toBeGreaterThanOrEqual(10);
  });

  it('steady growth the forecast carries on is rising; growth that speeds up is emerging', () => {
    expect(lifecycle(path((t) => 3 + 0.02 * t))!.stage).toBe('rising');
    expect(lifecycle(path((t) => 3 + 0.02 * t + 0.0004 * (t + 71) ** 2))!.stage).toBe('emerging');
  });

  it('a fall is declining; a flat level is saturating; neither has a peak to date', () => {
    const down = lifecycle(path((t) => 3 - 0.02 * t))!;
    expect(down).toMatchObject({ stage: 'declining', peak: null });
    expect(down.growth).toBeLessThan(0);
    expect(lifecycle(path(() => 3))!).toMatchObject({ stage: 'saturating', peak: null });
  });

  it('a young product that grows is emerging', () => {
    expect(lifecycle({ ...path((t) => 3 + 0.02 * t), seen: 72 })!.stage).toBe('emerging');
  });

  it('works through the season: an hourly series with a daily cycle on a rising trend', () => {
    const n = 24 * 8;
    const values = Array.from({ length: n }, (_, t) => Math.exp(4 + 0.01 * t + 0.5 * Math.sin((2 * Math.PI * t) / 24) + 0.05 * z()));
    const forecast = Array.from({ length: 24 }, (_, k) => Math.exp(4 + 0.01 * (n + k) + 0.5 * Math.sin((2 * Math.PI * (n + k)) / 24)));
    const lc = lifecycleOf(values, [24], forecast, 'hour')!;
    expect(lc.stage).toBe('rising');
    expect(lc.growth).toBeCloseTo(0.01, 2);
  });

  it('too short a window: no answer', () => {
    expect(lifecycle({ adjusted: [1, 2, 3], forecast: [4], window: 72, seen: 3 })).toBeNull();
  });
});
