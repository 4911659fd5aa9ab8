// Product similarity: text (TF-IDF cosine over title, tags and category) and trend shape
// (correlation of the series). Pure.
import { correlate } from './correlation.js';
import { terms } from './text.js';

export interface ProductText { id: string; title: string; tags?: readonly string[]; category?: string }

export type TermVector = Map<string, number>;

export interface TextIndex {
  /** Unit-length TF-IDF vector per product id. */
  vectors: Map<string, TermVector>;
  /** Inverse document frequency per term: ln((1 + N) / (1 + df)) + 1. */
  idf: Map<string, number>;
}

export interface SimilarProduct { id: string; score: number }

/** Title words, tag words and the category as one term of its own (so categories never mix with title words). */
function termsOf(p: ProductText): string[] {
  const words = [...terms(p.title), ...(p.tags ?? []).flatMap(terms)];
  const category = p.category ? terms(p.category).join('-') : '';
  return category ? [...words, `category:${category}`] : words;
}

function unit(v: TermVector): TermVector {
  const norm = Math.sqrt([...v.values()].reduce((s, x) => s + x * x, 0));
  if (norm > 0) for (const [k, x] of v) v.set(k, x / norm);
  return v;
}

/** TF-IDF with sublinear term frequency (1 + ln tf) and smoothed IDF, L2-normalised. */
export function buildTextIndex(products: readonly ProductText[]): TextIndex {
  const counts = products.map((p) => {
    const tf = new Map<string, number>();
    for (const t of termsOf(p)) tf.set(t, (tf.get(t) ?? 0) + 1);
    return tf;
  });
  const df = new Map<string, number>();
  for (const tf of counts) for (const t of tf.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const n = products.length;
  const idf = new Map([...df].map(([t, d]) => [t, Math.log((1 + n) / (1 + d)) + 1]));
  const vectors = new Map(products.map((p, i) => [p.id, unit(new Map([...counts[i]].map(([t, c]) => [t, (1 + Math.log(c)) * idf.get(t)!])))]));
  return { vectors, idf };
}

/** Cosine similarity of two unit vectors (their dot product), 0…1 for TF-IDF. */
export function cosine(a: TermVector, b: TermVector): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [t, x] of small) dot += x * (large.get(t) ?? 0);
  return dot;
}

/** The k products most similar in text to `id` (itself excluded), best first; products with score 0 are left out. */
export function similarProducts(index: TextIndex, id: string, k: number): SimilarProduct[] {
  const v = index.vectors.get(id);
  if (!v) return [];
  const scored: SimilarProduct[] = [];
  for (const [other, w] of index.vectors) {
    if (other === id) continue;
    const score = cosine(v, w);
    if (score > 0) scored.push({ id: other, score });
  }
  return scored.sort((x, y) => y.score - x.score || (x.id < y.id ? -1 : 1)).slice(0, k);
}

/**
 * Trend-shape similarity, −1…1: Pearson correlation of the two series aligned at their newest
 * bucket (the longer is cut to the shorter). Correlation ignores level and scale, so a small
 * and a big product with the same curve score 1. Pass ln(1 + engagement) to compare growth
 * shapes without one spike dominating. Fewer than 3 common buckets or a flat series: 0.
 */
export function shapeSimilarity(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  return correlate(a.slice(a.length - n), b.slice(b.length - n)).r;
}
