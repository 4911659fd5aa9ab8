// The titles of some products from their metadata (products without any are left out).
import { inArray } from 'drizzle-orm';
import type { Db } from '../../core/stores/postgres.js';
import { products } from '../../schemas/postgres/schema.js';

export async function getProductTitles(db: Db, ids: string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const found = await db.select({ productId: products.productId, title: products.title }).from(products).where(inArray(products.productId, ids));
  return new Map(found.map((p) => [p.productId, p.title]));
}
