import { describe, expect, it } from 'vitest';
import { convertPrice } from '../../../ingest/agent/currency.js';

describe('currency', () => {
  it('converts with the rate table and says when it cannot', () => {
    const t = { base: 'USD', rates: { EUR: 1.08, GBP: 1.27 } };
    expect(convertPrice(27.9, 'EUR', t)).toBe(30.13);
    expect(convertPrice(10, 'USD', t)).toBe(10);
    expect(convertPrice(10, 'JPY', t)).toBeUndefined();
  });
});
