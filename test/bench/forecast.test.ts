// The forecast bench phase at a tiny scale: every product's views and orders are forecast in
// the timed round, the next round finds them all current, one more hour makes them all due again
// (the warm round), and the per-product figures are the
// round's totals divided out. No timing is asserted: figures come from
// `trenddrop bench --phases forecast` on a known machine (docs/analytics.md).
import { describe, expect, it } from 'vitest';
import { formatForecastBench, runForecastBench } from '../../bench/forecast.js';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';

describe('forecast bench phase', () => {
  it('refreshes every product once, then finds every one current', async () => {
    const stages = new Set<string>();
    const r = await runForecastBench(loadConfig({ TRENDDROP_SIMULATOR: 'off' }), { products: 6, logger: createLogger('silent'), onProgress: (_f, s) => stages.add(s) });
    expect(r.events).toBeGreaterThan(6 * 600);
    expect(r.round).toMatchObject({ products: 6, refreshed: 12, forecasts: 12, skipped: 0, tooShort: 0, warmStarted: 0 });
    expect(r.idleRound.skipped).toBe(12);
    // The round's totals are whole milliseconds; the per-product figures are divided out before rounding.
    expect(r.perProduct.cpuMs).toBeCloseTo(r.round.cpuMs / 6, 0);
    expect(r.perForecast.wallMs).toBeCloseTo(r.round.wallMs / 12, 0);
    expect(r.perProduct.engineMs).toBeLessThanOrEqual(r.perProduct.wallMs);
    // One more hour: every product is due again and refreshed from its previous fits.
    expect(r.warmRound).toMatchObject({ products: 6, refreshed: 12, skipped: 0, tooShort: 0, warmStarted: 12 });
    expect(r.warmPerProduct.cpuMs).toBeCloseTo(r.warmRound.cpuMs / 6, 0);
    expect([...stages]).toEqual(['loading history', 'forecasting', 'idle round', 'next hour', 'warm round']);
    expect(formatForecastBench(r).join('\n')).toContain('6 simulated products');
  }, 120_000);
});
