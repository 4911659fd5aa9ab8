// The heads' encoding of a stored forecast: floats JSON cannot carry go as ClickHouse's words, with their sign.
import { describe, expect, it } from 'vitest';
import { stepOfInterval } from '../../analytics/granularity.js';
import { aheadStep, float } from '../../processors/forecast-heads.js';

describe('forecast heads', () => {
  it('writes non-finite floats as ClickHouse reads them from JSON, a falling infinity as -inf', () => {
    expect([1.5, 0, Infinity, -Infinity, NaN].map(float)).toEqual([1.5, 0, 'inf', '-inf', 'nan']);
  });

  it('finds the step a day and a week ahead at each interval the forecaster stores', () => {
    expect(['1h', '1d', '1w', '1mo', '5m'].map(stepOfInterval)).toEqual(['hour', 'day', 'week', 'month', undefined]);
    expect([aheadStep('1d', 'hour'), aheadStep('1w', 'hour'), aheadStep('1w', 'day'), aheadStep('1d', 'week'), aheadStep('1w', 'month')]).toEqual([24, 168, 7, undefined, undefined]);
  });
});
