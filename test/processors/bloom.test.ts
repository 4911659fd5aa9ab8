// The dedup filter never forgets an id it was given (no false negatives) and keeps false
// positives near the rate it was sized for; each false positive costs one ClickHouse lookup.
import { describe, expect, it } from 'vitest';
import { GrowingBloomFilter } from '../../processors/dedup.js';

describe('Bloom filter', () => {
  it('has no false negatives and about 1% false positives at capacity', () => {
    const f = new GrowingBloomFilter(100_000, 100_000, 0.01); // one filter
    for (let i = 0; i < 100_000; i++) f.add(`event-${i}`);
    for (let i = 0; i < 100_000; i++) expect(f.mightContain(`event-${i}`)).toBe(true);
    let fp = 0;
    for (let i = 0; i < 100_000; i++) if (f.mightContain(`other-${i}`)) fp++;
    expect(fp / 100_000).toBeLessThan(0.02);
  });

  it('grows past its first capacity with no false negatives, false positives staying near its filters\' rate', () => {
    const f = new GrowingBloomFilter(10_000, 1_000_000, 0.0025);
    let seen = 0;
    for (let i = 0; i < 150_000; i++) if (f.testAndAdd(`event-${i}`)) seen++; // five filters: 10k, 20k, 40k, 80k (and more)
    for (let i = 0; i < 150_000; i++) expect(f.mightContain(`event-${i}`)).toBe(true);
    expect(seen / 150_000).toBeLessThan(0.01);
    let fp = 0;
    for (let i = 0; i < 100_000; i++) if (f.mightContain(`other-${i}`)) fp++;
    expect(fp / 100_000).toBeLessThan(0.015);
  });

  it('keeps taking ids in its newest filter past its most, and forgets none', () => {
    const f = new GrowingBloomFilter(1000, 3000, 0.0025);
    for (let i = 0; i < 20_000; i++) f.add(`event-${i}`);
    for (let i = 0; i < 20_000; i++) expect(f.mightContain(`event-${i}`)).toBe(true);
  });

  it('is sized for a store loaded before the first add', () => {
    const f = new GrowingBloomFilter(1000, 1_000_000, 0.0025);
    f.expect(100_000);
    for (let i = 0; i < 100_000; i++) f.add(`event-${i}`);
    let fp = 0;
    for (let i = 0; i < 100_000; i++) if (f.mightContain(`other-${i}`)) fp++;
    expect(fp / 100_000).toBeLessThan(0.0025); // one filter, half full
  });
});
