import { describe, expect, it } from 'vitest';
import { terms, words } from '../../analytics/text.js';

describe('product text', () => {
  it('folds case and accents, splits on anything but letters and digits, and strips a plural s', () => {
    expect(words('Crème Brûlée Torch — NEW, with 2 Gas-Refills & a Case!')).toEqual(['creme', 'brulee', 'torch', 'new', 'with', '2', 'gas', 'refill', 'a', 'case']);
    expect(words('Glass Bottles, 3 pcs')).toEqual(['glass', 'bottle', '3', 'pcs']);
  });

  it('keeps words of every script whole', () => {
    expect(words('Кружка-термос København ランプ हिंदी')).toEqual(['кружка', 'термос', 'københavn', 'ランプ', 'हिंदी']);
  });

  it('drops stopwords and listing noise for the terms', () => {
    expect(terms('Crème Brûlée Torch — NEW, with 2 Gas-Refills & a Case!')).toEqual(['creme', 'brulee', 'torch', '2', 'gas', 'refill', 'case']);
    expect(terms('Best Upgraded Knife Set for the Kitchen, Free Shipping')).toEqual(['knife', 'kitchen']);
  });
});
