import { describe, it, expect } from 'vitest';
import { correlate, correlationPValue, difference } from '../../analytics/correlation.js';
import { studentTCdf } from '../../analytics/stats.js';
import { normals } from '../helpers/series.js';

// Reference figures from scipy.stats (t.cdf, pearsonr, spearmanr).
describe('studentTCdf', () => {
  it('matches scipy', () => {
    expect(studentTCdf(2.306, 8)).toBeCloseTo(0.9749998386, 8);
    expect(studentTCdf(-1.5, 3)).toBeCloseTo(0.1152919324, 8);
    expect(studentTCdf(0.7, 1)).toBeCloseTo(0.6944001122, 8);
    expect(studentTCdf(0, 5)).toBe(0.5);
  });
});

describe('correlate', () => {
  const x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const y = [2, 1, 4, 3, 7, 8, 6, 9, 12, 10];
  it('Pearson r and p-value match scipy', () => {
    const c = correlate(x, y);
    expect(c.r).toBeCloseTo(0.9261797114, 9);
    expect(c.pValue).toBeCloseTo(0.00011876275, 9);
    expect(c.n).toBe(10);
    const d = correlate([1, 2, 3, 4, 5, 6, 7, 8], [1, 3, 2, 5, 4, 4, 8, 6]);
    expect(d.r).toBeCloseTo(0.8491836185, 9);
    expect(d.pValue).toBeCloseTo(0.0076352228, 8);
  });
  it('Spearman r and p-value match scipy (ties get mid-ranks)', () => {
    const c = correlate(x, y, 'spearman');
    expect(c.r).toBeCloseTo(0.9272727273, 9);
    expect(c.pValue).toBeCloseTo(0.0001120345, 9);
    expect(correlate([1, 2, 2, 3], [1, 2, 2, 3], 'spearman').r).toBeCloseTo(1, 12);
  });
  it('perfect, constant and tiny samples', () => {
    expect(correlate([1, 2, 3, 4], [2, 4, 6, 8])).toEqual({ r: 1, n: 4, pValue: 0 });
    expect(correlate([1, 2, 3, 4], [5, 5, 5, 5])).toEqual({ r: 0, n: 4, pValue: 1 });
    expect(correlate([1, 2], [2, 1])).toEqual({ r: 0, n: 2, pValue: 1 });
    expect(() => correlate([1, 2, 3], [1, 2])).toThrow(RangeError);
  });
  it('p-value of r = 0.5 with n = 10 matches scipy', () => {
    expect(correlationPValue(0.5, 10)).toBeCloseTo(0.14111328125, 10);
  });
  it('independent noise is rarely significant: ~5% of tests at the 5% level', () => {
    const z = normals(7);
    let hits = 0;
    for (let k = 0; k < 400; k++) {
      const a = Array.from({ length: 30 }, z);
      const b = Array.from({ length: 30 }, z);
      if (correlate(a, b).pValue < 0.05) hits++;
    }
    expect(hits / 400).toBeGreaterThan(0.02);
    expect(hits / 400).toBeLessThan(0.09);
  });
});

describe('difference', () => {
  it('removes a shared trend that would fake a link', () => {
    const z = normals(11);
    const trendA = Array.from({ length: 100 }, (_, t) => t + 3 * z());
    const trendB = Array.from({ length: 100 }, (_, t) => 2 * t + 3 * z());
    expect(correlate(trendA, trendB).r).toBeGreaterThan(0.9);
    expect(Math.abs(correlate(difference(trendA), difference(trendB)).r)).toBeLessThan(0.3);
  });
});
