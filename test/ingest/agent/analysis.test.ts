import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Catalog, categorize, convertPrice, imageKey, insight, summarizeSeries, TAXONOMY, titleKey, type SeriesPoint } from '../../../ingest/agent/analysis.js';

const H = 3_600_000, D = 24 * H;

describe('dedupe', () => {
  it('matches the same product by image, by title and brand within a price band, and not across brands', () => {
    const c = new Catalog();
    const a = c.resolve({ productId: 'a', title: 'Galaxy Star Projector Night Light', brand: 'Lumora', price: 29.99, imageUrl: 'https://cdn.shopify.com/p/galaxy_640x.jpg?v=1' }, 'store-a');
    const byImage = c.resolve({ productId: 'b', title: 'Sky Lamp', imageUrl: 'https://cdn.shopify.com/p/galaxy_1024x1024.jpg' }, 'store-b');
    const byTitle = c.resolve({ productId: 'c', title: 'NEW 2026 Galaxy Projector - Star Night Light', brand: 'LUMORA', price: 33 }, 'store-c');
    const otherBrand = c.resolve({ productId: 'd', title: 'Galaxy Star Projector Night Light', brand: 'Nebulo', price: 30 }, 'store-d');
    const otherPrice = c.resolve({ productId: 'e', title: 'Galaxy Star Projector Night Light', price: 199 }, 'store-e');
    expect([a, byImage, byTitle, otherBrand, otherPrice]).toEqual([
      { id: 'a', isNew: true }, { id: 'a', isNew: false }, { id: 'a', isNew: false }, { id: 'd', isNew: true }, { id: 'e', isNew: true },
    ]);
    expect(c.places('a')).toBe(3);
    expect(c.canonical('c')).toBe('a');
    // The catalogue survives a round trip through the state store.
    expect(new Catalog(JSON.parse(JSON.stringify(c.entries()))).resolve({ productId: 'c', title: 'x' }, 'store-c')).toEqual({ id: 'a', isNew: false });
  });

  it('normalises titles and image URLs', () => {
    expect(titleKey('The BEST Hair Brushes for Women (2026) – Free Shipping', 'Brushy')).toEqual(['brushe', 'hair', 'women']);
    expect(imageKey('https://CDN.example.com/a/b/pic_small.png?x=1')).toBe('cdn.example.com/a/b/pic.png');
  });
});

describe('taxonomy', () => {
  it.each([
    ['Galaxy Star Projector Night Light', [], 'Electronics & Gadgets'],
    ['Self-Cleaning Pet Hair Remover Roller', ['pets'], 'Pet Supplies'],
    ['Posture Corrector Back Brace', ['fitness'], 'Health & Fitness'],
    ['Heatless Curling Rod Headband', [], 'Beauty & Personal Care'],
    ['Magnetic Phone Mount for Car', [], 'Electronics & Gadgets'],
    ['LED Ring Light with Tripod', [], 'Electronics & Gadgets'],
    ['Gold Hoop Earrings', [], 'Jewelry & Watches'],
    ['Mystery Box', [], 'Other'],
  ])('%s → %s', (title, tags, category) => {
    expect(categorize({ title, tags })).toBe(category);
  });

  it('is the table docs/agent.md documents', () => {
    const doc = readFileSync(join(import.meta.dirname, '../../../docs/agent.md'), 'utf8');
    for (const c of TAXONOMY) expect(doc).toContain(`| ${c.category} | ${c.keywords.join(', ')} |`);
  });
});

describe('currency', () => {
  it('converts with the rate table and says when it cannot', () => {
    const t = { base: 'USD', rates: { EUR: 1.08, GBP: 1.27 } };
    expect(convertPrice(27.9, 'EUR', t)).toBe(30.13);
    expect(convertPrice(10, 'USD', t)).toBe(10);
    expect(convertPrice(10, 'JPY', t)).toBeUndefined();
  });
});

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
