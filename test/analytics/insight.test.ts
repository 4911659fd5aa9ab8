import { describe, expect, it } from 'vitest';
import { insight, summarizeSeries, type SeriesPoint } from '../../analytics/insight.js';

const H = 3_600_000, D = 24 * H;

describe('insight', () => {
  const now = Date.parse('2026-11-26T00:00:00Z');
  it('describes growth, its leader, the order lag and competition', () => {
    const points: SeriesPoint[] = [];
    // 20 days of views that jump in the last two days, and orders that follow two days later.
    const views = (d: number) => (d >= 18 ? 3400 : d >= 16 ? 1000 : 100 + (d % 5) * 40 + (d === 10 ? 900 : 0));
    for (let d = 0; d < 20; d++) {
      const ts = now - (20 - d) * D + H;
      points.push({ ts, platform: 'tiktok', region: 'BR', views: views(d) * 0.7 });
      points.push({ ts, platform: 'instagram', region: 'US', views: views(d) * 0.3 });
      points.push({ ts, platform: 'shopify', region: 'BR', orders: d >= 2 ? Math.round(views(d - 2) / 50) : 0 });
    }
    const s = summarizeSeries(points, { now, windowHours: 48, competingStores: 3 });
    expect(s.metrics.views).toEqual({ current: 6800, previous: 2000 });
    expect(s.leader).toMatchObject({ metric: 'views', platform: 'tiktok', region: 'BR' });
    expect(s.lag).toMatchObject({ leader: 'views', follower: 'orders', days: 2 });
    expect(insight(s)).toBe('views up 240% in 48 h, led by TikTok in BR; orders lag views by about 2 days; 3 competing stores');
  });

  it('handles a product with nothing, a first appearance and a decline', () => {
    expect(insight(summarizeSeries([], { now }))).toBe('no engagement in the last 48 h');
    expect(insight(summarizeSeries([{ ts: now - H, platform: 'google', region: 'ZZ', searches: 40 }], { now }))).toBe('first searches in the last 48 h, led by Google');
    expect(insight(summarizeSeries([
      { ts: now - 3 * D, platform: 'youtube', region: 'US', views: 1000 },
      { ts: now - H, platform: 'youtube', region: 'US', views: 400 },
    ], { now, competingStores: 1 }))).toBe('views down 60% in 48 h, led by YouTube in US');
  });

  it('names a jump of the last hours that the 48 h totals hide, against the same hours a day before', () => {
    // A daily cycle (busy afternoons) over 4 days of decline, then ×17 in the last 4 whole hours.
    const points: SeriesPoint[] = [];
    const end = now + 20 * 60_000; // 20 minutes into an hour that is still filling
    for (let h = 96; h >= 1; h--) {
      const ts = now - h * H;
      const cycle = 1 + 0.5 * Math.sin((2 * Math.PI * (ts / H)) / 24);
      const level = 1000 * cycle * (h > 48 ? 1 : 0.3) * (h <= 4 ? 17 : 1);
      points.push({ ts, platform: 'tiktok', region: 'US', views: Math.round(level) });
    }
    points.push({ ts: now, platform: 'tiktok', region: 'US', views: 5 }); // the filling hour
    const s = summarizeSeries(points, { now: end });
    expect(s.metrics.views!.current).toBe(points.filter((p) => p.ts >= now - 48 * H && p.ts < now).reduce((a, p) => a + p.views!, 0));
    expect(s.recent).toMatchObject({ metric: 'views', hours: 6 });
    const { current, dayBefore } = s.recent!;
    expect(current).toBe(points.filter((p) => p.ts >= now - 6 * H && p.ts < now).reduce((a, p) => a + p.views!, 0));
    expect(dayBefore).toBe(points.filter((p) => p.ts >= now - 30 * H && p.ts < now - 24 * H).reduce((a, p) => a + p.views!, 0));
    expect(insight(s)).toMatch(/^views down \d+% in 48 h, led by TikTok in US, up \d+(\.\d)?× in the last 6 h against the same hours a day before$/);
  });

  it('leaves a move under 3× or on a handful of units to the window totals', () => {
    const steady: SeriesPoint[] = [];
    for (let h = 96; h >= 1; h--) steady.push({ ts: now - h * H, platform: 'youtube', region: 'DE', views: h <= 6 ? 250 : 100 });
    expect(summarizeSeries(steady, { now }).recent).toBeUndefined();
    const sparse: SeriesPoint[] = [{ ts: now - 26 * H, platform: 'youtube', region: 'DE', views: 2 }, { ts: now - 2 * H, platform: 'youtube', region: 'DE', views: 20 }];
    expect(summarizeSeries(sparse, { now }).recent).toBeUndefined();
  });
});
