// The forecaster keeps each product's warm start as one string (encodeWarmStart): it must give back
// exactly what was kept, so that a refresh starts from the same fits as when they were objects.
import { describe, expect, it } from 'vitest';
import { statisticalModels } from '../../analytics/forecast/models.js';
import { decodeWarmStart, encodeWarmStart, forecastProduct, type WarmStart } from '../../processors/forecaster.js';

const H = 3_600_000;
/** Four weeks of an hourly series with a daily cycle, a slow trend and deterministic noise. */
const values = Array.from({ length: 28 * 24 }, (_, t) => 200 + 80 * Math.sin((2 * Math.PI * t) / 24) + t / 5 + 15 * Math.sin(t * 12.9898));
const series = { info: { step: 'hour' as const, anchor: 0 }, start: 0, end: values.length * H, values };

describe('warm starts kept as strings', () => {
  const models = statisticalModels('hour');
  const f = forecastProduct(series, models)!;
  const warm: WarmStart = { step: 'hour', models: f.warm, periods: f.periods, warmRuns: 3, coldMase: 0.8731234567891234, cold: false };

  it('decodes to the warm start that was encoded, numbers exactly', () => {
    expect(f.warm.size).toBeGreaterThan(0);
    expect(decodeWarmStart(encodeWarmStart(warm))).toEqual(warm);
    // A round whose chosen model had no backtest MASE keeps NaN, which makes the next refresh cold.
    expect(decodeWarmStart(encodeWarmStart({ ...warm, coldMase: Number.NaN })).coldMase).toBeNaN();
  });

  it('a refresh from the decoded warm start forecasts what one from the kept objects does', () => {
    const more = { ...series, end: series.end + H, values: [...values, values[values.length - 24]] };
    const fromObjects = forecastProduct(more, models, warm)!;
    const fromString = forecastProduct(more, models, decodeWarmStart(encodeWarmStart(warm)))!;
    expect(fromString.points).toEqual(fromObjects.points);
    expect(fromString.model).toBe(fromObjects.model);
  });

  it('is a few hundred characters: 200k of them at 100k products and two metrics', () => {
    expect(encodeWarmStart(warm).length).toBeLessThan(400);
  });
});
