import { describe, it, expect } from 'vitest';
import { buildTextIndex, cosine, shapeSimilarity, similarProducts } from '../../analytics/similarity.js';

describe('TF-IDF text similarity', () => {
  const products = [
    { id: 'a', title: 'LED Sunset Lamp Projector', tags: ['lamp', 'bedroom'], category: 'Home Decor' },
    { id: 'b', title: 'Sunset Projection Lamp for Bedroom', tags: ['lamp'], category: 'Home Decor' },
    { id: 'c', title: 'Portable Neck Fan', tags: ['summer'], category: 'Electronics' },
    { id: 'd', title: 'Galaxy Star Projector LED', category: 'Home Decor' },
  ];
  const index = buildTextIndex(products);

  it('computes smoothed IDF and unit-length vectors', () => {
    // "lamp" is in a (title + tag) and b: df 2 of 4 → ln(5/3) + 1.
    expect(index.idf.get('lamp')).toBeCloseTo(Math.log(5 / 3) + 1, 12);
    expect(index.idf.get('fan')).toBeCloseTo(Math.log(5 / 2) + 1, 12);
    expect(index.idf.get('category:home-decor')).toBeCloseTo(Math.log(5 / 4) + 1, 12);
    for (const v of index.vectors.values()) expect(cosine(v, v)).toBeCloseTo(1, 12);
  });

  it('ranks the sunset lamps together and the fan last', () => {
    const sim = similarProducts(index, 'a', 3);
    expect(sim.map((s) => s.id)).toEqual(['b', 'd']);
    expect(sim[0].score).toBeGreaterThan(sim[1].score);
    expect(similarProducts(index, 'c', 3)).toEqual([]);
    expect(similarProducts(index, 'missing', 3)).toEqual([]);
  });

  it('cosine is symmetric and matches a hand computation on a two-document corpus', () => {
    const two = buildTextIndex([{ id: 'x', title: 'red shoe' }, { id: 'y', title: 'red hat' }]);
    // idf(red) = ln(3/3) + 1 = 1; idf(shoe) = idf(hat) = ln(3/2) + 1.
    const w = Math.log(1.5) + 1;
    const expected = 1 / (1 + w * w);
    expect(cosine(two.vectors.get('x')!, two.vectors.get('y')!)).toBeCloseTo(expected, 12);
    expect(cosine(two.vectors.get('y')!, two.vectors.get('x')!)).toBeCloseTo(expected, 12);
  });
});

describe('shapeSimilarity', () => {
  const growth = Array.from({ length: 24 }, (_, t) => Math.log1p(100 * 1.2 ** t));
  it('same curve at another scale and level is 1; the mirrored curve is −1', () => {
    const bigger = growth.map((v) => 3 * v + 7);
    expect(shapeSimilarity(growth, bigger)).toBeCloseTo(1, 12);
    expect(shapeSimilarity(growth, [...growth].reverse())).toBeLessThan(-0.99);
  });
  it('aligns at the newest bucket and handles degenerate input', () => {
    expect(shapeSimilarity([9, 9, 9, ...growth], growth)).toBeCloseTo(1, 12);
    expect(shapeSimilarity([1, 2], [2, 1])).toBe(0);
    expect(shapeSimilarity(growth, growth.map(() => 5))).toBe(0);
  });
});
