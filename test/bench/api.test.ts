// The API bench phase at a tiny scale: the data it loads is what was asked for (counted in the
// stores), every measured endpoint answers with products, and the result has its full shape.
// No timing is asserted: figures come from `trenddrop bench` on a known machine.
import { describe, expect, it } from 'vitest';
import { formatApiBench, runApiBench } from '../../bench/api.js';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';

describe('API bench phase', () => {
  it('loads the asked scale and measures every query', { timeout: 180_000 }, async () => {
    const labels: string[] = [];
    const r = await runApiBench(loadConfig({ TRENDDROP_SIMULATOR: 'off' }), {
      products: 200, events: 20_000, samples: 3, warmup: 1, logger: createLogger('silent'), onProgress: (_f, label) => labels.push(label),
    });
    expect(r.loaded.chProducts).toBe(200);
    expect(r.loaded.pgProducts).toBe(200);
    expect(r.loaded.events).toBe(20_000);
    // Skewed popularity, yet every product has events; the views rolled every event up.
    expect(r.loaded.productsWithEvents).toBe(200);
    expect(r.loaded.rollupEvents).toEqual({ '1m': 20_000, '1h': 20_000, '1d': 20_000 });
    expect(r.loaded.scores).toBe(200);
    // The scorer's own round, and a week of hourly past scores.
    expect(r.loaded.scoreHistory).toBe(200 * (1 + 168));

    expect(r.queries.map((q) => q.name)).toEqual([
      'overview (24h)', 'explorer, by score', 'explorer, by views 24h', 'explorer, category Home', 'explorer, search "lamp"', 'explorer, score 40–70', 'explorer, page 2 (cursor)',
      'forecasts, by change', 'forecasts, by relative MASE', 'forecasts, by time to peak', 'forecasts, a week ahead', 'forecasts, category Home', 'forecasts, page 2 (cursor)', 'forecasts calibration',
    ]);
    const byName = Object.fromEntries(r.queries.map((q) => [q.name, q]));
    expect(byName['overview (24h)'].items).toBe(10);
    for (const name of ['explorer, by score', 'explorer, by views 24h']) expect(byName[name].items).toBe(50);
    expect(byName['explorer, page 2 (cursor)'].items).toBe(50);
    expect(byName['explorer, category Home'].items).toBeGreaterThan(0);
    expect(byName['explorer, search "lamp"'].items).toBeGreaterThan(0);
    // Every product has stored forecasts; a week ahead, only the daily imports reach it (1 in 50).
    for (const name of ['forecasts, by change', 'forecasts, by relative MASE', 'forecasts, by time to peak', 'forecasts, page 2 (cursor)']) expect(byName[name].items).toBe(50);
    expect(byName['forecasts, a week ahead'].items).toBe(4);
    expect(byName['forecasts, category Home'].items).toBeGreaterThan(0);
    for (const q of r.queries) {
      expect(q.n).toBe(3);
      for (const l of [q.api, q.direct, q.cached]) expect(l.p95Ms).toBeGreaterThanOrEqual(l.p50Ms);
      expect(q.ratioP95).toBeGreaterThan(0);
    }
    // Each of the overview's queries timed alone, without and with the product index; the index weighed.
    expect(r.overviewParts.map((p) => p.name)).toEqual([
      'sql: hours', 'sql: scoreKpis', 'sql: previousProductsParts', 'sql: previousScoresParts', 'sql: timeline', 'sql: categories', 'sql: top',
      'index: hours', 'index: previousProductsParts', 'index: previousProducts', 'index: previousScoresParts', 'index: previousScoresSummary', 'index: timeline', 'index: viewsCurrentHour', 'index: productViews',
    ]);
    expect(r.productIndex.heapMiB).toBeGreaterThanOrEqual(0);
    expect(r.rssMiB.afterQueries).toBeGreaterThan(0);
    expect(r.rssMiB.peak).toBeGreaterThanOrEqual(r.rssMiB.loaded);
    expect(labels.at(-1)).toBe('done');

    const lines = formatApiBench(r);
    expect(lines[0]).toBe('TrendDrop API bench — 200 products, 20,000 events (embedded)');
    expect(lines.length).toBe(r.queries.length + 8);
  });
});
