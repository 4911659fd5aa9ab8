// Breakout alerts, newest first, a keyset page at a time.
import { and, desc, eq, lt, or } from 'drizzle-orm';
import type { Db } from '../../core/stores/postgres.js';
import { alerts } from '../../schemas/postgres/schema.js';
import { decodeCursor, encodeCursor } from './cursor.js';

export async function listAlerts(db: Db, q: { limit?: number; productId?: string; cursor?: string }) {
  const limit = q.limit ?? 50;
  const after = decodeCursor(q.cursor, ['date', 'count'] as const);
  const where = and(
    q.productId ? eq(alerts.productId, q.productId) : undefined,
    after ? or(lt(alerts.createdAt, new Date(after[0])), and(eq(alerts.createdAt, new Date(after[0])), lt(alerts.alertId, after[1]))) : undefined,
  );
  const found = await db.select().from(alerts).where(where).orderBy(desc(alerts.createdAt), desc(alerts.alertId)).limit(limit + 1);
  const page = found.slice(0, limit).map((a) => ({ ...a, createdAt: a.createdAt.toISOString() }));
  const last = page[page.length - 1];
  return { items: page, nextCursor: found.length > limit && last ? encodeCursor([last.createdAt, last.alertId]) : null };
}
