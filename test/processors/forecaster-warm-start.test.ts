// The forecaster keeps each product's warm start as one short string (WarmStarts): it must give
// back exactly what was kept, so that a refresh starts from the same fits as when they were objects.
import { describe, expect, it } from 'vitest';
import { statisticalModels } from '../../analytics/forecast/models.js';
import { forecastProduct } from '../../processors/forecast-engine.js';
import { WarmStarts, type WarmStart } from '../../processors/warm-starts.js';

const H = 3_600_000;
/** Four weeks of an hourly series with a daily cycle, a slow trend and deterministic noise. */
const values = Array.from({ length: 28 * 24 }, (_, t) => 200 + 80 * Math.sin((2 * Math.PI * t) / 24) + t / 5 + 15 * Math.sin(t * 12.9898));
const series = { info: { step: 'hour' as const, anchor: 0 }, start: 0, end: values.length * H, values };

describe('warm starts kept as strings', () => {
  const models = statisticalModels('hour');
  const f = forecastProduct(series, models)!;
  const warm: WarmStart = { step: 'hour', models: f.warm, periods: f.periods, warmRuns: 3, coldMase: 0.8731234567891234, cold: false };
  const store = new WarmStarts();
  const kept = (w: WarmStart) => { store.set('p\u0000views', w); return store.get('p\u0000views')!; };

  it('decodes to the warm start that was encoded, numbers exactly', () => {
    expect(f.warm.size).toBeGreaterThan(0);
    expect(kept(warm)).toEqual(warm);
    // A round whose chosen model had no backtest MASE keeps NaN, which makes the next refresh cold.
    expect(kept({ ...warm, coldMase: Number.NaN }).coldMase).toBeNaN();
    expect(Object.is(kept({ ...warm, coldMase: -0 }).coldMase, -0)).toBe(true);
    expect(kept({ ...warm, coldMase: Number.POSITIVE_INFINITY }).coldMase).toBe(Number.POSITIVE_INFINITY);
    const params = [...f.warm.values()].map((m) => JSON.stringify(m));
    expect([...kept(warm).models.values()].map((m) => JSON.stringify(m))).toEqual(params);
  });

  it('a refresh from the decoded warm start forecasts what one from the kept objects does', () => {
    const more = { ...series, end: series.end + H, values: [...values, values[values.length - 24]] };
    const fromObjects = forecastProduct(more, models, warm)!;
    const fromString = forecastProduct(more, models, kept(warm))!;
    expect(fromString.points).toEqual(fromObjects.points);
    expect(fromString.model).toBe(fromObjects.model);
  });

  it('is the numbers\' bits and a shared shape: 200k of them at 100k products and two metrics', () => {
    // 4 code units a number and 1 for the shape (as JSON text it was ~275 characters).
    const numbers = 2 + f.periods.length + [...f.warm.values()].reduce<number>((n, m) => n + (JSON.stringify(m).match(/-?\d[\d.e+-]*/g)?.length ?? 0), 0);
    expect(store.encode(warm).length).toBe(1 + 4 * numbers);
    expect(store.encode(warm).length).toBeLessThan(80);
    expect(store.encode({ ...warm, warmRuns: 4, coldMase: 1.5 }).charCodeAt(0)).toBe(store.encode(warm).charCodeAt(0));
  });
});
