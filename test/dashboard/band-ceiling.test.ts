import { describe, expect, it } from 'vitest';
import { bandCeiling, niceCeil } from '../../dashboard/src/charts/band-ceiling';

describe('bandCeiling', () => {
  it('rounds up to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect([0.7, 1, 1.01, 2.2, 3, 7, 10, 187_345, 0].map(niceCeil)).toEqual([1, 1, 2, 2.5, 5, 10, 10, 200_000, 0]);
  });

  it('cuts a band many times the lines and says how far it reached', () => {
    // History up to 150K, forecast up to 310K, a 95% band to 13.5M (a product that just jumped).
    expect(bandCeiling([150_000, 120_000, 310_000, 184_000], [172_000, 1_128_004, 13_549_290])).toEqual({ max: 500_000, clipped: 13_549_290 });
  });

  it('leaves the axis alone when every band fits, or there is nothing to draw', () => {
    expect(bandCeiling([100, 140], [150, 180, 200])).toEqual({ max: undefined, clipped: null });
    expect(bandCeiling([], [5])).toEqual({ max: undefined, clipped: null });
    expect(bandCeiling([0, 0], [3])).toEqual({ max: undefined, clipped: null });
  });
});
