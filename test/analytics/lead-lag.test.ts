// Lead–lag correlations: a planted lead is found at its lag, series that share only a cycle (or
// a cycle and market traffic) are not called linked, on simulated panels over many seeds and on
// real series (US births, SSA 2000–2014; monthly stock prices 2000–2010 from vega-datasets).
import { describe, expect, it } from 'vitest';
import { autocorrelation } from '../../analytics/stats.js';
import { fitAutoregression, whiten } from '../../analytics/autoregression.js';
import { correlate, difference } from '../../analytics/correlation.js';
import { LEAD_LAG, leadLag } from '../../analytics/lead-lag.js';
import { benjaminiHochberg } from '../../analytics/multiple-testing.js';
import { seasonalFit } from '../../analytics/seasonal-regression.js';
import { normals, readVega, rng, usBirthsDaily } from '../helpers/series.js';

/** Seeded draws: uniform, normal, Poisson counts and AR(1) paths. */
function draws(seed: number) {
  const u = rng(seed);
  const z = normals(seed ^ 0x5bd1e995);
  const poisson = (mean: number) => {
    if (mean >= 30) return Math.max(0, Math.round(mean + z() * Math.sqrt(mean)));
    let k = 0, p = Math.exp(-mean), s = p;
    const x = u();
    while (x > s && k < 500) { k++; p *= mean / k; s += p; }
    return k;
  };
  const ar1 = (n: number, phi: number, sd: number) => {
    let v = 0;
    return Array.from({ length: n }, () => (v = phi * v + sd * z()));
  };
  return { u, z, poisson, ar1 };
}

/** The market's day (busiest mid-afternoon UTC) and, optionally, a 30% busier weekend. */
const cycle = (t: number, weekend = false) => (1 + 0.4 * Math.sin((2 * Math.PI * ((t % 24) - 8)) / 24)) * (weekend && Math.floor(t / 24) % 7 >= 5 ? 1.3 : 1);

const METRICS = ['views', 'likes', 'shares', 'comments', 'orders', 'revenue', 'searches'] as const;
type Metric = (typeof METRICS)[number];

/**
 * A category of products whose metrics move independently of each other but for the shared
 * cycle and, when trafficSd > 0, a shared market traffic factor; plus other products outside the
 * category. Returns the category's units and the market's views per hour.
 */
function independentPanel(seed: number, o: { products: number; others?: number; hours: number; weekend?: boolean; trafficSd?: number; scale?: number }) {
  const d = draws(seed);
  const traffic = d.ar1(o.hours, 0.9, o.trafficSd ?? 0);
  const market = new Array<number>(o.hours).fill(0);
  const units: Record<Metric, number[]>[] = [];
  for (let p = 0; p < o.products + (o.others ?? 20); p++) {
    const unit = {} as Record<Metric, number[]>;
    for (const m of METRICS) {
      const level = (o.scale ?? 1) * (m === 'views' ? 1000 : m === 'orders' ? 8 : 60) * (0.2 + d.u());
      unit[m] = d.ar1(o.hours, 0.8 * d.u(), 0.15).map((own, t) => d.poisson(level * cycle(t, o.weekend) * Math.exp(traffic[t] + own)));
    }
    unit.views.forEach((v, t) => (market[t] += v));
    if (p < o.products) units.push(unit);
  }
  return { units, market };
}

/** Searches driven by a persistent interest; orders follow the same interest `lag` hours later. */
function plantedLead(seed: number, lag: number, hours = 168) {
  const d = draws(seed);
  const interest = d.ar1(hours + lag, 0.7, 0.3);
  const searches: number[] = [], orders: number[] = [];
  for (let t = 0; t < hours; t++) {
    searches.push(d.poisson(400 * cycle(t) * Math.exp(interest[t + lag])));
    orders.push(d.poisson(30 * cycle(t) * Math.exp(interest[t] + 0.1 * d.z())));
  }
  return { searches, orders };
}

describe('building blocks', () => {
  it('Benjamini–Hochberg matches the textbook example (R p.adjust "BH")', () => {
    const p = [0.01, 0.04, 0.03, 0.005, 0.5];
    // p.adjust(c(0.01, 0.04, 0.03, 0.005, 0.5), "BH") = 0.025 0.05 0.05 0.025 0.5
    expect(benjaminiHochberg(p).map((v) => +v.toFixed(6))).toEqual([0.025, 0.05, 0.05, 0.025, 0.5]);
    expect(benjaminiHochberg([])).toEqual([]);
  });

  it('Yule–Walker recovers an AR(2) and its filter leaves white noise', () => {
    const z = normals(7);
    const x: number[] = [0, 0];
    for (let t = 2; t < 5000; t++) x.push(0.6 * x[t - 1] - 0.3 * x[t - 2] + z());
    const model = fitAutoregression(x);
    expect(model.coefficients.length).toBeGreaterThanOrEqual(2);
    expect(model.coefficients[0]).toBeCloseTo(0.6, 1);
    expect(model.coefficients[1]).toBeCloseTo(-0.3, 1);
    expect(model.variance).toBeCloseTo(1, 1);
    const e = whiten(x, model);
    expect(e.length).toBe(x.length - model.coefficients.length);
    for (const r of autocorrelation(e, 5)) expect(Math.abs(r)).toBeLessThan(0.05);
    expect(fitAutoregression(Array.from({ length: 500 }, () => z())).coefficients.length).toBeLessThanOrEqual(2);
  });

  it('per-position means remove any weekly shape; harmonics a smooth long cycle; both count their parameters', () => {
    const z = normals(3);
    const n = 3 * 168 - 1;
    const weekly = Array.from({ length: n }, (_, i) => (Math.floor((i + 1) / 24) % 7 >= 5 ? 5 : 0) + ((i + 1) % 24 === 3 ? 2 : 0) + 0.1 * z());
    const fit = seasonalFit(1, n, [24, 168]);
    expect(fit.parameters).toBe(168);
    const [res] = fit.residuals([weekly]);
    expect(Math.max(...res.map(Math.abs))).toBeLessThan(0.5);
    // Too short for three weeks: the day gets 24 means, the week harmonics.
    const short = seasonalFit(0, 400, [24, 168]);
    expect(short.parameters).toBeGreaterThan(24);
    expect(short.parameters).toBeLessThanOrEqual(24 + 2 * 12);
    const yearly = seasonalFit(0, 800, [365.25]);
    const [smooth] = yearly.residuals([Array.from({ length: 800 }, (_, i) => Math.sin((2 * Math.PI * i) / 365.25) + 0.5 * Math.cos((4 * Math.PI * i) / 365.25))]);
    expect(Math.max(...smooth.map(Math.abs))).toBeLessThan(1e-9);
  });
});

describe('leadLag', () => {
  it('finds a planted lead of searches over orders at its lag, with the sign convention either way round', () => {
    for (const k of [1, 3, 5]) {
      for (let seed = 1; seed <= 5; seed++) {
        const { searches, orders } = plantedLead(100 * k + seed, k);
        const [ab] = leadLag(['searches', 'orders'], [{ searches, orders }], { maxLag: 6, periods: [24] }).items;
        expect(ab).toMatchObject({ a: 'searches', b: 'orders', lag: k, significant: true, units: 1 });
        expect(ab.r).toBeGreaterThan(0.4);
        const [ba] = leadLag(['orders', 'searches'], [{ searches, orders }], { maxLag: 6, periods: [24] }).items;
        expect(ba).toMatchObject({ lag: -k, significant: true });
      }
    }
  });

  it('finds a lead shared by a category of products, pooled, and reports each metric pair', () => {
    const units = Array.from({ length: 8 }, (_, p) => {
      const { searches, orders } = plantedLead(900 + p, 3);
      const d = draws(50 + p);
      return { searches, orders, views: searches.map((_, t) => d.poisson(5000 * cycle(t))) };
    });
    const res = leadLag(['views', 'orders', 'searches'], units, { maxLag: 6, periods: [24] });
    expect(res.units).toBe(8);
    expect(res.tests).toBe(3 * 13);
    const pair = (a: string, b: string) => res.items.find((i) => i.a === a && i.b === b)!;
    expect(pair('orders', 'searches')).toMatchObject({ lag: -3, significant: true, units: 8 });
    expect(pair('orders', 'searches').n).toBeGreaterThan(8 * 100);
    expect(pair('views', 'orders').significant).toBe(false);
    expect(pair('views', 'searches').significant).toBe(false);
  });

  it('does not call independent metrics linked when they share only a daily cycle: false positives over 100 seeds', () => {
    let linked = 0, naive = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const { units, market } = independentPanel(seed, { products: 12, hours: 168 });
      const [item] = leadLag(['views', 'comments'], units, { maxLag: 6, periods: [24] }, { metric: 'views', total: market, includesUnits: true }).items;
      if (item.significant) linked++;
      // What the summed series with plain first differences say (the old answer: r ≈ 0.7, p ≈ 0).
      const sum = (m: Metric) => market.map((_, t) => units.reduce((s, u) => s + u[m][t], 0));
      if (correlate(difference(sum('views')), difference(sum('comments'))).pValue < 0.05) naive++;
    }
    expect(naive).toBeGreaterThan(90);
    expect(linked).toBeLessThanOrEqual(8); // 5% expected (Benjamini–Hochberg at 0.05 over 13 lags)
  });

  it('keeps the false-positive rate with a weekend step, three weeks, market normalisation and every pair of seven metrics', () => {
    let any = 0;
    const seeds = 40;
    for (let seed = 1; seed <= seeds; seed++) {
      const { units, market } = independentPanel(1000 + seed, { products: 6, hours: 21 * 24, weekend: true });
      const res = leadLag(METRICS, units, { maxLag: 6, periods: [24, 168] }, { metric: 'views', total: market, includesUnits: true });
      expect(res.tests).toBe(21 * 13);
      if (res.items.some((i) => i.significant)) any++;
    }
    expect(any / seeds).toBeLessThanOrEqual(0.1);
  });

  it('a single product: no link from the cycle alone', () => {
    let linked = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const { units } = independentPanel(5000 + seed, { products: 1, others: 0, hours: 168 });
      if (leadLag(['views', 'comments', 'searches'], units, { maxLag: 6, periods: [24] }).items.some((i) => i.significant)) linked++;
    }
    expect(linked).toBeLessThanOrEqual(5);
  });

  it('reports an effective sample size below the pairs, by the parameters fitted at least', () => {
    const { units, market } = independentPanel(77, { products: 3, hours: 168 });
    const [item] = leadLag(['views', 'comments'], units, { maxLag: 6, periods: [24] }, { metric: 'views', total: market, includesUnits: true }).items;
    expect(item.n).toBeGreaterThan(3 * 140);
    expect(item.nEffective).toBeLessThan(item.n * (1 - 24 / 167) + 1);
    expect(item.nEffective).toBeGreaterThan(item.n * 0.4);
  });

  it('leaves out products too sparse or too short to test, and answers "nothing to test" without data', () => {
    const dense = plantedLead(1, 2);
    const sparse = { searches: dense.searches.map((v, t) => (t % 3 ? 0 : v)), orders: dense.orders.map((v, t) => (t % 3 ? 0 : v)) };
    const short = { searches: dense.searches.map((v, t) => (t > 20 ? 0 : v)), orders: dense.orders.map((v, t) => (t > 20 ? 0 : v)) };
    expect(leadLag(['searches', 'orders'], [dense, sparse, short], { maxLag: 6, periods: [24] }).units).toBe(1);
    const none = leadLag(['searches', 'orders'], [sparse], { maxLag: 6, periods: [24] });
    expect(none.units).toBe(0);
    expect(none.items[0]).toMatchObject({ r: 0, n: 0, nEffective: 0, pValue: 1, significant: false });
    expect(leadLag(['searches', 'orders'], [], { maxLag: 6, periods: [24] }).items[0].significant).toBe(false);
    expect(() => leadLag(['searches', 'orders'], [{ searches: [1, 2], orders: [1] }], { maxLag: 1, periods: [] })).toThrow(RangeError);
    expect(LEAD_LAG.minActiveShare).toBe(0.9);
  });
});

describe('leadLag on real series', () => {
  const births = usBirthsDaily();

  it('daily US births from different years share the weekly cycle (naive r ≈ 0.88) and are not called linked', () => {
    // 26 weeks apart keeps the weekdays aligned and the holidays apart.
    for (const offsetWeeks of [26, 78]) {
      for (const days of [364, 728, 1820]) {
        const early = births.slice(0, days), late = births.slice(7 * offsetWeeks, 7 * offsetWeeks + days);
        expect(correlate(difference(early), difference(late)).r).toBeGreaterThan(0.85);
        const [item] = leadLag(['early', 'late'], [{ early, late }], { maxLag: 14, periods: [7, 365.25] }).items;
        expect(item.significant).toBe(false);
      }
    }
  });

  it('a lead planted in real births (half the series k days late, half births of other years) is found at k', () => {
    const early = births.slice(0, 1820), other = births.slice(7 * 26, 7 * 26 + 1820);
    for (const k of [1, 2, 5, 9]) {
      const orders = early.map((_, t) => Math.round(0.5 * early[Math.max(0, t - k)] + 0.5 * other[t]));
      const [item] = leadLag(['searches', 'orders'], [{ searches: early, orders }], { maxLag: 14, periods: [7, 365.25] }).items;
      expect(item).toMatchObject({ lag: k, significant: true });
    }
  });

  it('monthly stock prices (2000–2010) move together in the same month and lead each other in none', () => {
    const rows = readVega('stocks.csv').trim().split('\n').slice(1).map((l) => l.split(','));
    const symbols = ['MSFT', 'AMZN', 'IBM', 'AAPL'] as const;
    const unit = Object.fromEntries(symbols.map((s) => [s, rows.filter((r) => r[0] === s).map((r) => Number(r[2]))])) as Record<(typeof symbols)[number], number[]>;
    const res = leadLag(symbols, [unit], { maxLag: 6, periods: [12] });
    const significant = res.items.filter((i) => i.significant);
    expect(significant.length).toBeGreaterThanOrEqual(4);
    for (const i of significant) {
      expect(i.lag).toBe(0);
      expect(i.r).toBeGreaterThan(0.3);
    }
    // Heavy tails (2000–2002, 2008) leave far fewer effective pairs than months.
    for (const i of res.items) expect(i.nEffective).toBeLessThan(i.n);
  });
});
