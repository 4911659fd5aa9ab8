// The dedup filter never forgets an id it was given (no false negatives) and keeps false
// positives near the rate it was sized for; each false positive costs one ClickHouse lookup.
import { describe, expect, it } from 'vitest';
import { BloomFilter } from '../../processors/dedup.js';

describe('Bloom filter', () => {
  it('has no false negatives and about 1% false positives at capacity', () => {
    const f = new BloomFilter(100_000, 0.01);
    for (let i = 0; i < 100_000; i++) f.add(`event-${i}`);
    for (let i = 0; i < 100_000; i++) expect(f.mightContain(`event-${i}`)).toBe(true);
    let fp = 0;
    for (let i = 0; i < 100_000; i++) if (f.mightContain(`other-${i}`)) fp++;
    expect(fp / 100_000).toBeLessThan(0.02);
  });
});
