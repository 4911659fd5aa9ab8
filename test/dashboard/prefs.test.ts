import { describe, it, expect } from 'vitest';
import { intervalFor, resolveRange } from '../../dashboard/src/lib/prefs';
import { change, fmtAgo, fmtNum, fmtPct, fmtVelocity, scoredThrough } from '../../dashboard/src/lib/format';

const NOW = Date.UTC(2026, 10, 26, 12, 0);

describe('time range', () => {
  it('resolves presets to a stable key and bounds ending now', () => {
    const r = resolveRange({ range: '7d', customFrom: '', customTo: '' }, NOW);
    expect(r).toMatchObject({ key: '7d', preset: '7d', interval: '1h', to: new Date(NOW).toISOString() });
    expect(Date.parse(r.to) - Date.parse(r.from)).toBe(7 * 86_400_000);
  });
  it('uses custom bounds with a fitting interval, and falls back to 24 h when they are invalid', () => {
    const from = new Date(NOW - 2 * 3_600_000).toISOString();
    const to = new Date(NOW).toISOString();
    expect(resolveRange({ range: 'custom', customFrom: from, customTo: to }, NOW)).toMatchObject({ key: `${from}/${to}`, preset: '24h', interval: '1m', from, to });
    expect(resolveRange({ range: 'custom', customFrom: to, customTo: from }, NOW).key).toBe('24h');
  });
  it('keeps charts between tens and about 1500 points', () => {
    expect(intervalFor(3_600_000)).toBe('1m');
    expect(intervalFor(86_400_000)).toBe('1h');
    expect(intervalFor(30 * 86_400_000)).toBe('1d');
  });
});

describe('format', () => {
  it('formats numbers, changes and velocity', () => {
    expect(fmtNum(1234)).toBe('1,234');
    expect(fmtNum(1_284_551)).toBe('1.3M');
    expect(fmtNum(undefined)).toBe('—');
    expect(change(150, 100)).toBe(0.5);
    expect(change(5, 0)).toBeNull();
    expect(fmtPct(0.125)).toBe('+12.5%');
    expect(fmtVelocity(Math.LN2)).toBe('+100%/h');
  });
  it('formats relative times compactly', () => {
    expect(fmtAgo(new Date(NOW - 40_000).toISOString(), NOW)).toBe('40s ago');
    expect(fmtAgo(new Date(NOW - 3 * 3_600_000).toISOString(), NOW)).toBe('3h ago');
    expect(fmtAgo(null, NOW)).toBe('never');
  });
});

describe('scoredThrough', () => {
  it('ends a score\'s data one step after the bucket it is dated by, months by the calendar', () => {
    expect(scoredThrough('2026-12-03T06:00:00.000Z', '1h')).toBe('2026-12-03T07:00:00.000Z');
    expect(scoredThrough('2026-12-02T00:00:00.000Z', '1d')).toBe('2026-12-03T00:00:00.000Z');
    expect(scoredThrough('2026-11-23T00:00:00.000Z', '1w')).toBe('2026-11-30T00:00:00.000Z');
    expect(scoredThrough('2026-01-01T00:00:00.000Z', '1mo')).toBe('2026-02-01T00:00:00.000Z');
    expect(scoredThrough('2026-02-01T00:00:00.000Z', '1mo')).toBe('2026-03-01T00:00:00.000Z');
  });
});
