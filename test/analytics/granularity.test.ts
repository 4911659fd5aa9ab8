// Native step inference, calendar arithmetic, seasonal periods and the seasonal-strength test.
import { describe, expect, it } from 'vitest';
import { addSteps, bucketStart, detectSeasons, inferStep, regularSeries, seasonalPeriods, seasonsOf, splitHistory, strengthThreshold, toLogScale } from '../../analytics/granularity.js';
import { co2Monthly, normals, sp500Monthly, usBirthsDaily } from '../helpers/series.js';

const H = 3_600_000;
const D = 24 * H;
const W = 7 * D;
const every = (start: number, step: number, n: number) => Array.from({ length: n }, (_, i) => start + i * step);

describe('inferStep', () => {
  it('reads hourly, daily, weekly and monthly grids', () => {
    expect(inferStep(every(Date.UTC(2026, 0, 1, 5), H, 100)).step).toBe('hour');
    expect(inferStep(every(Date.UTC(2026, 0, 1), D, 60)).step).toBe('day');
    expect(inferStep(every(Date.UTC(2021, 0, 3), W, 260)).step).toBe('week');
    expect(inferStep(Array.from({ length: 30 }, (_, i) => Date.UTC(2020, i, 1))).step).toBe('month');
  });

  it('keeps the series\' own phase: a Sunday week, a day that starts at 23:00 UTC', () => {
    const sundays = inferStep(every(Date.UTC(2021, 0, 3), W, 20)); // 2021-01-03 is a Sunday
    expect(new Date(bucketStart(Date.UTC(2021, 0, 13, 12), sundays)).toISOString()).toBe('2021-01-10T00:00:00.000Z');
    const shifted = inferStep(every(Date.UTC(2026, 0, 1, 23), D, 30));
    expect(shifted.step).toBe('day');
    expect(new Date(bucketStart(Date.UTC(2026, 0, 5, 10), shifted)).toISOString()).toBe('2026-01-04T23:00:00.000Z');
  });

  it('is not fooled by gaps, a stray point or a still-filling last bucket stamped "now"', () => {
    const weeks = every(Date.UTC(2021, 0, 3), W, 40).filter((_, i) => i % 5 !== 2); // missing weeks
    expect(inferStep(weeks).step).toBe('week');
    expect(inferStep([...weeks, Date.UTC(2021, 9, 20, 13, 37)]).step).toBe('week');
    const days = every(Date.UTC(2026, 0, 1), D, 30).filter((t) => new Date(t).getUTCDay() % 6 !== 0); // weekdays only
    expect(inferStep(days).step).toBe('day');
  });

  it('month ends (31 Jan, 28 Feb, …) and the 15th of each month are monthly', () => {
    const ends = Array.from({ length: 24 }, (_, i) => Date.UTC(2019, i + 1, 0));
    const info = inferStep(ends);
    expect(info).toMatchObject({ step: 'month', monthEnd: true });
    expect(new Date(addSteps(ends[0], 1, info)).toISOString().slice(0, 10)).toBe('2019-02-28');
    expect(new Date(addSteps(ends[0], 13, info)).toISOString().slice(0, 10)).toBe('2020-02-29');
    const mid = inferStep(Array.from({ length: 12 }, (_, i) => Date.UTC(2019, i, 15)));
    expect(mid.step).toBe('month');
    expect(new Date(addSteps(Date.UTC(2019, 11, 15), 2, mid)).toISOString().slice(0, 10)).toBe('2020-02-15');
  });

  it('live event times on no grid, and too few points, are hourly', () => {
    const z = normals(1);
    expect(inferStep(Array.from({ length: 50 }, (_, i) => Date.UTC(2026, 0, 1) + i * 61_000 + Math.abs(z()) * 1000)).step).toBe('hour');
    expect(inferStep([]).step).toBe('hour');
    expect(inferStep([Date.UTC(2026, 0, 1)]).step).toBe('hour');
  });
});

describe('splitHistory', () => {
  const weeks = every(Date.UTC(2025, 0, 5), W, 60); // Sundays
  const liveStart = weeks[59] + W + 5 * H + 30 * 60_000;
  const live = every(Math.floor(liveStart / H) * H, H, 100);

  it('finds where live hours follow an imported weekly history, whatever stray points either part has', () => {
    expect(splitHistory([...weeks, ...live])).toEqual({ coarse: expect.objectContaining({ step: 'week', anchor: weeks[0] % W }), liveFrom: live[0] });
    // A stray import point off its grid, and a live hour on the weekly grid, do not move the split.
    const stray = [...weeks.slice(0, 30), weeks[30] + 3 * H, ...weeks.slice(31)];
    expect(splitHistory([...stray, ...live, Date.UTC(2026, 2, 22)])?.liveFrom).toBe(live[0]);
    const days = every(Date.UTC(2026, 0, 1, 23), D, 40);
    expect(splitHistory([...days, ...every(days[39] + 2 * H, H, 50)])).toMatchObject({ coarse: { step: 'day' }, liveFrom: days[39] + 2 * H });
  });

  it('is null for one step throughout: live hours, an import, or too few imported points', () => {
    expect(splitHistory(live)).toBeNull();
    expect(splitHistory(weeks)).toBeNull();
    expect(splitHistory([...weeks.slice(-3), ...live])).toBeNull();
    expect(splitHistory([])).toBeNull();
  });
});

describe('regularSeries', () => {
  it('sums observations per bucket, zero-fills empty buckets and stops before `end`', () => {
    const info = inferStep(every(Date.UTC(2021, 0, 3), W, 4));
    const pts = [{ t: Date.UTC(2021, 0, 3), v: 5 }, { t: Date.UTC(2021, 0, 24), v: 7 }, { t: Date.UTC(2021, 0, 25), v: 1 }];
    expect(regularSeries(pts, info)).toEqual({ start: Date.UTC(2021, 0, 3), values: [5, 0, 0, 8] });
    expect(regularSeries(pts, info, Date.UTC(2021, 0, 24)).values).toEqual([5, 0, 0]);
  });
});

describe('seasonal periods and strength', () => {
  it('periods per step, each only once enough cycles exist', () => {
    expect(seasonalPeriods('hour', 47)).toEqual([]);
    expect(seasonalPeriods('hour', 48)).toEqual([24]);
    expect(seasonalPeriods('hour', 3 * 168 - 1)).toEqual([24]);
    expect(seasonalPeriods('hour', 3 * 168)).toEqual([24, 168]);
    expect(seasonalPeriods('day', 14)).toEqual([7]);
    expect(seasonalPeriods('week', 103)).toEqual([]);
    expect(seasonalPeriods('week', 104)).toEqual([52]);
    expect(seasonalPeriods('month', 24)).toEqual([12]);
  });

  it('the threshold falls with the cycles seen', () => {
    expect(strengthThreshold(2)).toBeCloseTo(0.8);
    expect(strengthThreshold(6)).toBeCloseTo(0.4);
    expect(strengthThreshold(50)).toBe(0.3);
  });

  it('finds the season of real series and none in a random walk (CO2, US births, S&P 500)', () => {
    expect(seasonsOf(co2Monthly(), 'month')).toEqual([12]);
    expect(seasonsOf(usBirthsDaily(), 'day')).toEqual([7]);
    expect(seasonsOf(sp500Monthly(), 'month')).toEqual([]);
  });

  it('finds a multiplicative daily cycle on a growing count series (log scale), and none in noise', () => {
    const z = normals(9);
    const grow = Array.from({ length: 24 * 5 }, (_, t) => Math.round(20 * Math.exp(t / 40) * (1 + 0.6 * Math.sin((2 * Math.PI * t) / 24)) * (1 + 0.1 * z())));
    expect(seasonsOf(grow, 'hour')).toEqual([24]);
    // Over many seeds the false-positive rate on seasonless data stays near the 5% it was set at.
    let found = 0;
    for (let s = 0; s < 100; s++) {
      const n = normals(100 + s);
      let level = 0;
      const rw = Array.from({ length: 24 * 4 }, () => (level += n()));
      if (detectSeasons(rw, 'hour')[0].present) found++;
    }
    expect(found).toBeLessThanOrEqual(12);
  });

  it('log scale: ln for positive series, ln(1+y) with zeros, none with negatives', () => {
    expect(toLogScale([1, Math.E]).kind).toBe('log');
    expect(toLogScale([0, 1]).values[1]).toBeCloseTo(Math.log(2));
    expect(toLogScale([-1, 1]).kind).toBe('none');
  });
});
