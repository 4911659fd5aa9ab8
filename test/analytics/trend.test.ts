import { describe, it, expect } from 'vitest';
import {
  blendScore, buildReference, COMPONENTS, engagementOf, ENGAGEMENT_WEIGHTS, momentum, normalise, percentile, rawComponents, trendShape,
  type Bucket, type TrendComponents,
} from '../../analytics/trend.js';
import type { ScoreWeights } from '../../core/config.js';

const W: ScoreWeights = { velocity: 0.3, acceleration: 0.15, volume: 0.2, breadth: 0.15, conversion: 0.1, saturation: 0.1 };
const range = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
/** Engagement per bin, `binHours` wide. */
const shape = (values: number[], binHours = 1) => trendShape(values, binHours);

describe('engagementOf', () => {
  it('weights each metric as documented and ignores revenue', () => {
    const b: Bucket = { ts: 0, views: 1, likes: 1, shares: 1, comments: 1, orders: 1, revenue: 999, searches: 1 };
    expect(engagementOf(b)).toBe(1 + 3 + 8 + 5 + 20 + 2);
    expect(Object.values(ENGAGEMENT_WEIGHTS).reduce((a: number, c) => a + c, 0)).toBe(39);
  });
});

describe('trendShape velocity and acceleration', () => {
  it('doubling every hour gives velocity ln 2 per hour and zero acceleration', () => {
    const r = shape(range(24, (i) => 1e6 * 2 ** i));
    expect(r.velocity).toBeCloseTo(Math.LN2, 5);
    expect(r.acceleration).toBeCloseTo(0, 5);
    expect(r.label).toBe('rising');
  });

  it('is per hour whatever the bin width (daily bins, doubling every 2 days)', () => {
    expect(shape(range(7, (i) => 1e6 * 2 ** (i / 2)), 24).velocity).toBeCloseTo(Math.LN2 / 48, 6);
  });

  it('one outlier bin barely moves velocity', () => {
    const values = range(24, (i) => 1e6 * 2 ** (i / 4));
    values[12] *= 1000;
    expect(shape(values).velocity).toBeCloseTo(Math.LN2 / 4, 2);
    values[12] = 0; // a dropped bin, the other kind of outlier
    expect(shape(values).velocity).toBeCloseTo(Math.LN2 / 4, 2);
  });

  it('acceleration is the change in velocity per hour between the halves', () => {
    // log engagement a quadratic in t: velocity rises linearly at 0.01 per hour².
    expect(shape(range(24, (i) => 1e6 * Math.exp(0.005 * i * i))).acceleration).toBeCloseTo(0.01, 4);
  });

  it('handles empty, single and all-zero windows', () => {
    for (const v of [[], [5], [0, 0, 0, 0, 0]]) {
      const r = shape(v);
      expect(r).toEqual({ velocity: 0, acceleration: 0, label: 'steady' });
    }
  });
});

describe('labels on constructed shapes', () => {
  it('flat then take-off is emerging', () => {
    expect(shape(range(24, (i) => (i < 12 ? 100 : 100 * 2 ** ((i - 11) / 2)))).label).toBe('emerging');
  });
  it('steady exponential growth is rising', () => {
    expect(shape(range(24, (i) => 100 * 1.1 ** i)).label).toBe('rising');
  });
  it('growth that stalls is peaking', () => {
    expect(shape(range(24, (i) => 100 * 1.2 ** Math.min(i, 12))).label).toBe('peaking');
  });
  it('rise then fall is peaking; sustained fall is declining', () => {
    expect(shape(range(24, (i) => 100 * 1.2 ** (12 - Math.abs(i - 12)))).label).toBe('peaking');
    expect(shape(range(24, (i) => 1e5 * 0.9 ** i)).label).toBe('declining');
  });
  it('noisy flat is steady', () => {
    expect(shape(range(24, (i) => 1000 + (i % 3) * 40)).label).toBe('steady');
  });
  it('never contradicts velocity: a deep fall with a late rebound is not emerging or rising', () => {
    // Falls 33% a day for five days, then gains 25% on the last: late half grows, the window falls.
    const r = shape([1e6, 6.7e5, 4.5e5, 3e5, 2e5, 1.35e5, 3e5].map((v) => v), 24);
    expect(r.velocity).toBeLessThan(0);
    expect(['emerging', 'rising']).not.toContain(r.label);
  });
});

describe('momentum', () => {
  it('is log growth per hour of the latest steps against the same steps a season earlier', () => {
    expect(momentum(2 * 600 - 1, 599, 24)).toBeCloseTo(Math.LN2 / 24, 12);
    expect(momentum(99, 99, 24)).toBe(0);
    expect(momentum(0, 1e6, 24)).toBeLessThan(0);
  });
});

describe('ranks across the market', () => {
  const raw = (over: Partial<Parameters<typeof rawComponents>[0]> = {}) => rawComponents({
    shape: { velocity: 0, acceleration: 0, label: 'steady' }, engagement: 1000, views: 1000, orders: 10, regions: 2, platforms: 2, competitors: 0, ...over,
  });

  it('percentile is the mid-rank: share below plus half the share equal', () => {
    expect(percentile([1, 2, 3, 4], 0)).toBe(0);
    expect(percentile([1, 2, 3, 4], 5)).toBe(1);
    expect(percentile([1, 2, 3, 4], 2)).toBeCloseTo(0.375, 12);
    expect(percentile([0, 0, 0, 0], 0)).toBe(0.5);
    expect(percentile([], 7)).toBe(0.5);
  });

  it('spreads scores over the range where fixed caps saturated (volume, breadth)', () => {
    // 200 products: volumes over four decades, breadth 2–10 regions; all but volume and breadth alike.
    const raws = range(200, (i) => raw({ engagement: 10 ** (3 + (4 * i) / 199), regions: 2 + (i % 9) }));
    const ref = buildReference(raws);
    const c = raws.map((r) => normalise(r, ref));
    const vol = c.map((x) => x.volume);
    expect(Math.min(...vol)).toBeLessThan(0.01);
    expect(Math.max(...vol)).toBeGreaterThan(0.99);
    // Each decile of volume holds about a tenth of the products.
    for (let d = 0; d < 10; d++) expect(vol.filter((v) => v >= d / 10 && v < (d + 1) / 10).length).toBeGreaterThanOrEqual(15);
  });

  it('a declining product scores below a growing one of the same size, and in the bottom of a market of flat ones', () => {
    const market = range(50, (i) => raw({ shape: { velocity: 0.001 * ((i % 7) - 3), acceleration: 0, label: 'steady' } }));
    const falling = raw({ shape: { velocity: -0.02, acceleration: -0.001, label: 'declining' } });
    const growing = raw({ shape: { velocity: 0.02, acceleration: 0.001, label: 'rising' } });
    const ref = buildReference([...market, falling, growing]);
    const sf = blendScore(normalise(falling, ref), W), sg = blendScore(normalise(growing, ref), W);
    expect(sf).toBeLessThan(40);
    expect(sg).toBeGreaterThan(60);
  });

  it('score is the weighted mean of the components × 100, and weights are configuration', () => {
    const c: TrendComponents = { velocity: 1, acceleration: 0.5, volume: 0.25, breadth: 0, conversion: 1, saturation: 0.5 };
    expect(blendScore(c, W)).toBeCloseTo(100 * (0.3 + 0.075 + 0.05 + 0 + 0.1 + 0.05), 1);
    expect(blendScore(c, { velocity: 0, acceleration: 0, volume: 1, breadth: 0, conversion: 0, saturation: 0 })).toBe(25);
  });

  it('fewer rivals, more conversion and more markets rank higher', () => {
    const ref = buildReference(range(20, (i) => raw({ competitors: i % 5, orders: i, regions: 1 + (i % 6) })));
    const best = normalise(raw({ competitors: 0, orders: 30, regions: 9 }), ref);
    const worst = normalise(raw({ competitors: 9, orders: 0, regions: 0 }), ref);
    for (const k of ['saturation', 'conversion', 'breadth'] as const) expect(best[k]).toBeGreaterThan(worst[k]);
    for (const k of COMPONENTS) { expect(best[k]).toBeGreaterThanOrEqual(0); expect(best[k]).toBeLessThanOrEqual(1); }
  });
});
