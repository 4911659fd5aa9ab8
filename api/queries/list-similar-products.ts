// Similar products: TF-IDF text candidates (title, tags, category), re-ranked with the shape of
// their recent engagement. The text index over every product is kept between requests.
import type { ClickHouseClient } from '@clickhouse/client';
import { buildTextIndex, shapeSimilarity, similarProducts, type TextIndex } from '../../analytics/similarity.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { ENGAGEMENT_SQL, IN_BUCKET_RANGE, latestProductsSql, latestScoresSql, rows } from './sql.js';
import { zeroFilled } from './time-range.js';

export const SIMILAR = {
  candidates: 50,
  results: 10,
  /** similarity = text·cos + shape·max(0, r): text says what a product is, shape how it sells. */
  textWeight: 0.7,
  shapeWeight: 0.3,
  shapeHours: 7 * 24,
  /** The text index is rebuilt at most this often (new products trigger a rebuild sooner). */
  indexMaxAgeMs: 10 * 60_000,
  indexMinAgeMs: 10_000,
};

const TEXT_SQL = latestProductsSql(['title', 'category', 'tags']);

const SHAPE_SQL = `
SELECT productId, toUnixTimestamp(bucket) AS t, sum(${ENGAGEMENT_SQL}) AS e
FROM ${TABLES.engagement1h}
WHERE productId IN {ids:Array(String)} AND ${IN_BUCKET_RANGE}
GROUP BY productId, t`;

const SCORES_SQL = latestScoresSql({ columns: ['score'], where: 'WHERE productId IN {ids:Array(String)}' });

interface TextCatalogue { index: TextIndex; titles: Map<string, string>; builtAt: number }

/** The text index of every product, rebuilt when old, or sooner when it lacks the product asked for. */
export class ProductTextIndex {
  private catalogue: TextCatalogue | null = null;
  private building: Promise<TextCatalogue> | null = null;

  constructor(private readonly ch: ClickHouseClient, private readonly now: () => number = Date.now) {}

  async for(id: string): Promise<TextCatalogue> {
    const catalogue = this.catalogue;
    const age = catalogue ? this.now() - catalogue.builtAt : Infinity;
    const stale = age > SIMILAR.indexMaxAgeMs || (!catalogue!.index.vectors.has(id) && age > SIMILAR.indexMinAgeMs);
    if (!stale) return catalogue!;
    this.building ??= rows<{ productId: string; title: string; category: string; tags: string[] }>(this.ch, TEXT_SQL)
      .then((found) => (this.catalogue = {
        index: buildTextIndex(found.map((p) => ({ id: p.productId, title: p.title, tags: p.tags, category: p.category }))),
        titles: new Map(found.map((p) => [p.productId, p.title || p.productId])),
        builtAt: this.now(),
      }))
      .finally(() => { this.building = null; });
    // An old index answers while a new one builds, unless it cannot answer for this product.
    return catalogue && catalogue.index.vectors.has(id) ? catalogue : this.building;
  }
}

/** Shared words of two products (most telling first), and whether their category is the same. */
function textReason(index: TextIndex, a: string, b: string): string {
  const va = index.vectors.get(a)!;
  const vb = index.vectors.get(b)!;
  const shared = [...va.keys()].filter((t) => vb.has(t));
  const words = shared.filter((t) => !t.startsWith('category:')).sort((x, y) => va.get(y)! * vb.get(y)! - va.get(x)! * vb.get(x)!).slice(0, 3);
  return [words.length ? `shares “${words.join('”, “')}”` : '', shared.some((t) => t.startsWith('category:')) ? 'same category' : ''].filter(Boolean).join(', ');
}

export interface SimilarDeps { ch: ClickHouseClient; now: number; texts: ProductTextIndex }
export interface SimilarProduct { productId: string; title: string; score: number; similarity: number; reason: string }

export async function listSimilarProducts(d: SimilarDeps, id: string): Promise<SimilarProduct[]> {
  const { index, titles } = await d.texts.for(id);
  const text = similarProducts(index, id, SIMILAR.candidates);
  if (!text.length) return [];
  const ids = [id, ...text.map((t) => t.id)];
  const to = Math.floor(d.now / 3_600_000) * 3600;
  const from = to - SIMILAR.shapeHours * 3600;
  const [shapeRows, scores] = await Promise.all([
    rows<{ productId: string; t: number; e: number }>(d.ch, SHAPE_SQL, { ids, from, to }),
    rows<{ productId: string; score: number }>(d.ch, SCORES_SQL, { ids }),
  ]);
  const shape = new Map(ids.map((p) => [p, zeroFilled(shapeRows.filter((r) => r.productId === p), from, to, 3600, (r) => Math.log1p(Number(r.e ?? 0)))]));
  const score = new Map(scores.map((r) => [r.productId, Number(r.score ?? 0)]));
  const items = text.map((t) => {
    const r = shapeSimilarity(shape.get(id)!, shape.get(t.id)!);
    const similarity = SIMILAR.textWeight * t.score + SIMILAR.shapeWeight * Math.max(0, r);
    const reason = [textReason(index, id, t.id), r > 0 ? `trend shape r = ${r.toFixed(2)}` : ''].filter(Boolean).join('; ');
    return { productId: t.id, title: titles.get(t.id) ?? t.id, score: score.get(t.id) ?? 0, similarity, reason };
  });
  items.sort((a, b) => b.similarity - a.similarity || (a.productId < b.productId ? -1 : 1));
  return items.slice(0, SIMILAR.results);
}
