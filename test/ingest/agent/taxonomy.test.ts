import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { categorize, TAXONOMY } from '../../../ingest/agent/taxonomy.js';

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
