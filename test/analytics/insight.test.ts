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
});
