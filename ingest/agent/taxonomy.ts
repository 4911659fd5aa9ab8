// Every product gets a category from one taxonomy (docs/agent.md lists the same table; a test
// keeps them equal), by the keywords in its title, store product type and tags. Pure.
import { words } from '../../analytics/text.js';

export const OTHER_CATEGORY = 'Other';
export const TAXONOMY: readonly { category: string; keywords: readonly string[] }[] = [
  { category: 'Electronics & Gadgets', keywords: ['phone', 'charger', 'cable', 'usb', 'bluetooth', 'earbuds', 'headphones', 'speaker', 'led', 'projector', 'camera', 'smartwatch', 'drone', 'gadget', 'wireless', 'power bank', 'keyboard', 'mouse', 'laptop', 'tablet', 'ring light', 'magsafe', 'fan', 'electronics'] },
  { category: 'Home & Kitchen', keywords: ['kitchen', 'cooking', 'pan', 'knife', 'blender', 'mug', 'cup', 'bottle', 'lamp', 'pillow', 'blanket', 'towel', 'storage', 'organizer', 'cleaning', 'vacuum', 'mop', 'decor', 'candle', 'rug', 'curtain', 'bedding', 'chopper', 'peeler', 'humidifier', 'diffuser'] },
  { category: 'Beauty & Personal Care', keywords: ['skin', 'skincare', 'serum', 'cream', 'makeup', 'lipstick', 'mascara', 'hair', 'brush', 'nail', 'shaver', 'razor', 'perfume', 'face', 'lotion', 'beauty', 'eyelash', 'teeth whitening', 'curling', 'curler', 'headband'] },
  { category: 'Health & Fitness', keywords: ['fitness', 'yoga', 'workout', 'gym', 'resistance band', 'dumbbell', 'posture', 'massage', 'massager', 'sleep', 'supplement', 'vitamin', 'protein', 'health', 'knee', 'back pain', 'scale'] },
  { category: 'Fashion & Accessories', keywords: ['shirt', 't shirt', 'dress', 'hoodie', 'jacket', 'pants', 'leggings', 'shoes', 'sneakers', 'socks', 'hat', 'cap', 'bag', 'wallet', 'sunglasses', 'belt', 'scarf', 'gloves'] },
  { category: 'Jewelry & Watches', keywords: ['necklace', 'bracelet', 'ring', 'earring', 'pendant', 'watch', 'jewelry', 'jewellery'] },
  { category: 'Pet Supplies', keywords: ['pet', 'dog', 'cat', 'puppy', 'kitten', 'leash', 'collar', 'litter', 'aquarium'] },
  { category: 'Toys & Games', keywords: ['toy', 'game', 'puzzle', 'doll', 'plush', 'fidget', 'spinner', 'slime', 'board game', 'rc car'] },
  { category: 'Baby & Kids', keywords: ['baby', 'infant', 'toddler', 'kid', 'nursery', 'stroller', 'diaper', 'pacifier'] },
  { category: 'Sports & Outdoors', keywords: ['camping', 'hiking', 'tent', 'bike', 'bicycle', 'cycling', 'fishing', 'outdoor', 'swim', 'ski', 'golf', 'tennis'] },
  { category: 'Automotive', keywords: ['car', 'vehicle', 'auto', 'windshield', 'tire', 'motorcycle', 'dash cam'] },
  { category: 'Office & School', keywords: ['desk', 'office', 'notebook', 'pen', 'pencil', 'planner', 'stationery', 'school'] },
  { category: 'Garden & Tools', keywords: ['garden', 'plant', 'planter', 'seed', 'hose', 'tool', 'drill', 'screwdriver', 'wrench', 'solar'] },
];
const TAXONOMY_TOKENS = TAXONOMY.map((c) => ({ category: c.category, phrases: c.keywords.map((k) => words(k)) }));

const containsPhrase = (text: string[], phrase: string[]): boolean =>
  text.some((_, i) => phrase.every((p, j) => text[i + j] === p));

/**
 * The taxonomy category whose keywords best match the product: a keyword found in the title or
 * in the store's own product type counts 2, in the tags 1; multi-word keywords count by their
 * length. Ties go to the earlier category; no match at all is Other.
 */
export function categorize(p: { title: string; tags?: string[]; productType?: string }): string {
  const fields: [string[], number][] = [[words(p.title), 2], [words(p.productType ?? ''), 2], [words((p.tags ?? []).join(' ')), 1]];
  let best = OTHER_CATEGORY, bestScore = 0;
  for (const c of TAXONOMY_TOKENS) {
    let score = 0;
    for (const phrase of c.phrases) for (const [words, weight] of fields) if (containsPhrase(words, phrase)) score += weight * phrase.length;
    if (score > bestScore) { best = c.category; bestScore = score; }
  }
  return best;
}
