// STL and MSTL against a reference implementation and known answers.
import { describe, expect, it } from 'vitest';
import { componentStrengths, mstl, stl } from '../../analytics/stl.js';
import { co2Monthly, normals } from '../helpers/series.js';

describe('stl', () => {
  // Reference: statsmodels 0.15 STL with R's stl() settings (seasonal degree 0, trend and
  // low-pass degree 1, jumps of a tenth of each span, low-pass 13, trend 23 resp. 21), on the
  // first 240 months of the CO2 series. Values at a few indices, to 1e-6.
  const y = co2Monthly().slice(0, 240);
  const reference = {
    plain: { opts: { seasonalWindow: 7 }, at: [[0, 319.559591, 2.653662], [5, 319.685798, -3.123419], [119, 330.171616, 2.400153], [200, 339.425849, -0.031812], [239, 344.331261, 2.7014]] },
    robust: { opts: { seasonalWindow: 13, robust: true }, at: [[0, 319.566863, 2.744894], [5, 319.683274, -3.06831], [119, 330.177642, 2.46698], [200, 339.437645, -0.035208], [239, 344.300833, 2.59089]] },
  };
  for (const [name, ref] of Object.entries(reference)) {
    it(`matches the reference decomposition (${name})`, () => {
      const d = stl(y, 12, ref.opts);
      for (const [i, trend, seasonal] of ref.at) {
        expect(d.trend[i]).toBeCloseTo(trend, 6);
        expect(d.seasonal[i]).toBeCloseTo(seasonal, 6);
      }
      d.remainder.forEach((r, i) => expect(r).toBeCloseTo(y[i] - d.trend[i] - d.seasonal[i], 9));
    });
  }

  it('periodic: the seasonal component repeats exactly and recovers a planted season', () => {
    const z = normals(3);
    const season = [3, 1, -2, -4, 0, 2];
    const x = Array.from({ length: 60 }, (_, t) => 10 + 0.1 * t + season[t % 6] + 0.1 * z());
    const d = stl(x, 6, { seasonalWindow: 'periodic' });
    for (let t = 6; t < 60; t++) expect(d.seasonal[t]).toBeCloseTo(d.seasonal[t - 6], 12);
    season.forEach((s, j) => expect(d.seasonal[j]).toBeCloseTo(s, 0));
  });

  it('rejects a period below 2 or fewer than two periods of data', () => {
    expect(() => stl([1, 2, 3], 1)).toThrow(RangeError);
    expect(() => stl([1, 2, 3, 4, 5], 3)).toThrow(/two periods/);
  });
});

describe('mstl and strengths', () => {
  it('separates two planted seasons and reports both as strong', () => {
    const z = normals(11);
    const x = Array.from({ length: 24 * 7 * 4 }, (_, t) => 5 + Math.sin((2 * Math.PI * t) / 24) + 0.5 * Math.sin((2 * Math.PI * t) / 168) + 0.05 * z());
    const d = mstl(x, [24, 168]);
    const s = componentStrengths(d);
    expect(s.seasonal[0]).toBeGreaterThan(0.9);
    expect(s.seasonal[1]).toBeGreaterThan(0.8);
    // The daily component carries the daily amplitude, the weekly one the weekly amplitude.
    const amp = (c: number[]) => (Math.max(...c) - Math.min(...c)) / 2;
    expect(amp(d.seasonal[0])).toBeCloseTo(1, 0);
    expect(amp(d.seasonal[1])).toBeCloseTo(0.5, 0);
    d.remainder.forEach((r, t) => expect(Math.abs(r)).toBeLessThan(0.5));
  });

  it('white noise has a weak season', () => {
    const z = normals(5);
    const x = Array.from({ length: 24 * 20 }, () => z());
    expect(componentStrengths(mstl(x, [24], { seasonalWindows: [11] })).seasonal[0]).toBeLessThan(0.3);
  });
});
