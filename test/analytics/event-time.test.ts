import { describe, expect, it } from 'vitest';
import { completeBuckets, isStillFilling, settledBefore } from '../../analytics/event-time.js';

const H = 3_600_000;
const T0 = Date.UTC(2026, 10, 26);

describe('bucket completeness by event time', () => {
  it('a bucket is still filling until its end falls behind watermark − allowed lateness', () => {
    const wm = T0 + 14.5 * H;
    expect(settledBefore(wm, H)).toBe(T0 + 13.5 * H);
    // 12:00–13:00 is settled; 13:00–14:00 can still take on-time events; 14:00–15:00 holds the watermark.
    expect(isStillFilling(T0 + 13 * H, wm, H)).toBe(false);
    expect(isStillFilling(T0 + 14 * H, wm, H)).toBe(true);
    expect(isStillFilling(T0 + 15 * H, wm, H)).toBe(true);
    // Without lateness only the bucket the watermark is in is still filling.
    expect(isStillFilling(T0 + 14 * H, wm, 0)).toBe(false);
    expect(isStillFilling(T0 + 14.5 * H, wm, 0)).toBe(false);
  });

  it('complete buckets are the prefix before the settled line', () => {
    const wm = T0 + 14.5 * H;
    expect(completeBuckets(T0, H, 24, wm, H)).toBe(13);
    expect(completeBuckets(T0, H, 10, wm, H)).toBe(10);
    expect(completeBuckets(T0 + 20 * H, H, 4, wm, H)).toBe(0);
    // Weekly buckets: one settled week needs its whole seven days behind the line.
    const W = 7 * 24 * H;
    expect(completeBuckets(T0, W, 3, T0 + W + H, H)).toBe(1);
    expect(completeBuckets(T0, W, 3, T0 + W + H - 1, H)).toBe(0);
  });

  it('agrees with isStillFilling bucket by bucket', () => {
    const step = 60_000, wm = T0 + 1234567, lateness = 300_000;
    const n = completeBuckets(T0, step, 100, wm, lateness);
    for (let i = 0; i < 100; i++) expect(isStillFilling(T0 + (i + 1) * step, wm, lateness)).toBe(i >= n);
  });
});
