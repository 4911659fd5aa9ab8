// Breakout alerts with their product's title, newest first, a keyset page at a time.
import { and, desc, eq, lt, or } from 'drizzle-orm';
import type { Db } from '../../core/stores/postgres.js';
import { alerts, products } from '../../schemas/postgres/schema.js';
import type { Alert, AlertPage, AlertsQuery } from '../schemas/alerts.js';
import { decodeCursor, encodeCursor } from './cursor.js';

export async function listAlerts(db: Db, q: AlertsQuery): Promise<AlertPage> {
  const limit = q.limit ?? 50;
  const after = decodeCursor(q.cursor, ['date', 'count'] as const);
  const where = and(
    q.productId ? eq(alerts.productId, q.productId) : undefined,
    after ? or(lt(alerts.createdAt, new Date(after[0])), and(eq(alerts.createdAt, new Date(after[0])), lt(alerts.alertId, after[1]))) : undefined,
  );
  // The product's title beside each alert; its id stands in while its metadata never arrived.
  const found = await db.select({ alert: alerts, title: products.title }).from(alerts).leftJoin(products, eq(products.productId, alerts.productId))
    .where(where).orderBy(desc(alerts.createdAt), desc(alerts.alertId)).limit(limit + 1);
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  const page = found.slice(0, limit).map(({ alert: a, title }) => ({
    ...a, outcome: a.outcome as Alert['outcome'], title: title ?? a.productId, createdAt: a.createdAt.toISOString(), at: a.at.toISOString(), peakAt: iso(a.peakAt), evaluatedAt: iso(a.evaluatedAt),
  }));
  const last = page[page.length - 1];
  return { items: page, nextCursor: found.length > limit && last ? encodeCursor([last.createdAt, last.alertId]) : null };
}
