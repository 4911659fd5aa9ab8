import { describe, it, expect } from 'vitest';
import { computeTrend, engagementOf, ENGAGEMENT_WEIGHTS, TREND_SCALES, type Bucket, type TrendInput } from '../../analytics/trend.js';
import type { ScoreWeights } from '../../core/config.js';

const HOUR = 3_600_000;
const W: ScoreWeights = { velocity: 0.3, acceleration: 0.15, volume: 0.2, breadth: 0.15, conversion: 0.1, saturation: 0.1 };

/** Buckets whose engagement is exactly `views` (only views set). */
function series(values: number[], bucketMs = HOUR): Bucket[] {
  return values.map((v, i) => ({ ts: i * bucketMs, views: v, likes: 0, shares: 0, comments: 0, orders: 0, revenue: 0, searches: 0 }));
}
function input(values: number[], over: Partial<TrendInput> = {}): TrendInput {
  return { buckets: series(values), bucketMs: HOUR, regions: 3, platforms: 2, totalRegions: 20, totalPlatforms: 5, ...over };
}
const range = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

describe('engagementOf', () => {
  it('weights each metric as documented and ignores revenue', () => {
    const b: Bucket = { ts: 0, views: 1, likes: 1, shares: 1, comments: 1, orders: 1, revenue: 999, searches: 1 };
    expect(engagementOf(b)).toBe(1 + 3 + 8 + 5 + 20 + 2);
    expect(Object.values(ENGAGEMENT_WEIGHTS).reduce((a: number, c) => a + c, 0)).toBe(39);
  });
});

describe('computeTrend velocity and acceleration', () => {
  it('doubling every hour gives velocity ln 2 per hour and zero acceleration', () => {
    const r = computeTrend(input(range(24, (i) => 1e6 * 2 ** i)), W);
    expect(r.velocity).toBeCloseTo(Math.LN2, 5);
    expect(r.acceleration).toBeCloseTo(0, 5);
    expect(r.label).toBe('rising');
  });

  it('is per hour whatever the bucket width (15-minute buckets, doubling every 2 h)', () => {
    const q = HOUR / 4;
    const r = computeTrend({ ...input([]), buckets: series(range(32, (i) => 1e6 * 2 ** (i / 8)), q), bucketMs: q }, W);
    expect(r.velocity).toBeCloseTo(Math.LN2 / 2, 5);
  });

  it('one outlier bucket barely moves velocity', () => {
    const values = range(24, (i) => 1e6 * 2 ** (i / 4));
    values[12] *= 1000;
    const r = computeTrend(input(values), W);
    expect(r.velocity).toBeCloseTo(Math.LN2 / 4, 2);
    values[12] = 0; // a dropped bucket, the other kind of outlier
    expect(computeTrend(input(values), W).velocity).toBeCloseTo(Math.LN2 / 4, 2);
  });

  it('acceleration is the change in velocity per hour between the halves', () => {
    // log engagement a quadratic in t: velocity rises linearly at 0.01 per hour².
    const r = computeTrend(input(range(24, (i) => 1e6 * Math.exp(0.005 * i * i))), W);
    expect(r.acceleration).toBeCloseTo(0.01, 4);
  });

  it('handles empty, single and all-zero windows', () => {
    for (const v of [[], [5], [0, 0, 0, 0, 0]]) {
      const r = computeTrend(input(v), W);
      expect(r.velocity).toBe(0);
      expect(r.acceleration).toBe(0);
      expect(r.label).toBe('steady');
      expect(r.score).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('computeTrend labels on constructed shapes', () => {
  it('flat then take-off is emerging', () => {
    expect(computeTrend(input(range(24, (i) => (i < 12 ? 100 : 100 * 2 ** ((i - 11) / 2)))), W).label).toBe('emerging');
  });
  it('steady exponential growth is rising', () => {
    expect(computeTrend(input(range(24, (i) => 100 * 1.1 ** i)), W).label).toBe('rising');
  });
  it('growth that stalls is peaking', () => {
    expect(computeTrend(input(range(24, (i) => 100 * 1.2 ** Math.min(i, 12))), W).label).toBe('peaking');
  });
  it('rise then fall is peaking; sustained fall is declining', () => {
    expect(computeTrend(input(range(24, (i) => 100 * 1.2 ** (12 - Math.abs(i - 12)))), W).label).toBe('peaking');
    expect(computeTrend(input(range(24, (i) => 1e5 * 0.9 ** i)), W).label).toBe('declining');
  });
  it('noisy flat is steady', () => {
    expect(computeTrend(input(range(24, (i) => 1000 + (i % 3) * 40)), W).label).toBe('steady');
  });
});

describe('computeTrend components and score', () => {
  it('maps each component to 0–1 as documented', () => {
    const buckets = series(range(24, () => 0));
    buckets[0] = { ...buckets[0], views: 1000, orders: 20 }; // conversion 2% → 0.5
    const r = computeTrend({ ...input([]), buckets, regions: 4, totalRegions: 24, platforms: 5, totalPlatforms: 5, competitors: 10 }, W);
    expect(r.components.conversion).toBeCloseTo(0.5, 10);
    expect(r.components.saturation).toBeCloseTo(0.5, 10);
    expect(r.components.breadth).toBeCloseTo((Math.log(5) / Math.log(25) + 1) / 2, 10);
    expect(r.components.volume).toBeCloseTo(Math.log10(1 + 1000 + 400) / 6, 10);
    for (const c of Object.values(r.components)) { expect(c).toBeGreaterThanOrEqual(0); expect(c).toBeLessThanOrEqual(1); }
  });

  it('velocity of one doubling a day maps to tanh(1); decline maps to 0', () => {
    const day = computeTrend(input(range(24, (i) => 1e7 * 2 ** (i / 24))), W);
    expect(day.velocity).toBeCloseTo(TREND_SCALES.velocityPerHour, 6);
    expect(day.components.velocity).toBeCloseTo(Math.tanh(1), 5);
    expect(computeTrend(input(range(24, (i) => 1e4 * 0.9 ** i)), W).components.velocity).toBe(0);
  });

  it('score is the weighted mean of components × 100, and weights are configuration', () => {
    const r = computeTrend(input(range(24, (i) => 100 * 1.1 ** i), { competitors: 3 }), W);
    const c = r.components;
    const expected = (0.3 * c.velocity + 0.15 * c.acceleration + 0.2 * c.volume + 0.15 * c.breadth + 0.1 * c.conversion + 0.1 * c.saturation) * 100;
    expect(r.score).toBeCloseTo(expected, 1);
    const onlyVolume = computeTrend(input(range(24, (i) => 100 * 1.1 ** i)), { velocity: 0, acceleration: 0, volume: 1, breadth: 0, conversion: 0, saturation: 0 });
    expect(onlyVolume.score).toBeCloseTo(c.volume * 100, 1);
  });

  it('a faster, broader trend scores higher than a flat narrow one', () => {
    const hot = computeTrend(input(range(24, (i) => 100 * 1.15 ** i), { regions: 10, platforms: 4 }), W);
    const flat = computeTrend(input(range(24, () => 100), { regions: 1, platforms: 1 }), W);
    expect(hot.score).toBeGreaterThan(flat.score);
  });
});
