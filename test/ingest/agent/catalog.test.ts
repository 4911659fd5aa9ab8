// The agent's catalogue: the same product seen in several places resolves to one.
import { describe, expect, it } from 'vitest';
import { Catalog, imageKey, mentionedProducts, titleKey } from '../../../ingest/agent/catalog.js';

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

describe('mentions', () => {
  const known = [
    { productId: 'fan', title: 'Portable Neck Fan' },
    { productId: 'lamp', title: 'Galaxy Star Projector Lamp', brand: 'Lumora' },
    { productId: 'mug', title: 'Mug' },
  ];
  it('finds the products whose every key word the text has, plurals and case aside, and skips one-word titles', () => {
    expect(mentionedProducts('Deal: portable NECK FANS at 40% off', known)).toEqual(['fan']);
    expect(mentionedProducts('The Lumora galaxy star projector lamps are back, and a mug', known)).toEqual(['lamp']);
    expect(mentionedProducts('A neck pillow and a desk fan', known)).toEqual([]);
  });
});

