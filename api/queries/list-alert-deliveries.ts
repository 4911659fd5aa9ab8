// The webhook delivery log: one row per alert queued for TRENDDROP_ALERT_WEBHOOK, newest first.
import { desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../../core/stores/postgres.js';
import { alertDeliveries, alerts } from '../../schemas/postgres/schema.js';
import type { AlertDelivery, AlertDeliveryPage, DeliveriesQuery } from '../schemas/alerts.js';
import { decodeCursor, encodeCursor } from './cursor.js';

export async function listAlertDeliveries(db: Db, q: DeliveriesQuery): Promise<AlertDeliveryPage> {
  const limit = q.limit ?? 50;
  const after = decodeCursor(q.cursor, ['count'] as const);
  const found = await db.select({ d: alertDeliveries, productId: alerts.productId, message: alerts.message })
    .from(alertDeliveries).innerJoin(alerts, eq(alerts.alertId, alertDeliveries.alertId))
    .where(after ? lt(alertDeliveries.alertId, after[0]) : undefined).orderBy(desc(alertDeliveries.alertId)).limit(limit + 1);
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  const page = found.slice(0, limit).map(({ d, productId, message }) => ({
    alertId: d.alertId, productId, message, status: d.status as AlertDelivery['status'], attempts: d.attempts, lastStatusCode: d.lastStatusCode, lastError: d.lastError,
    nextAttemptAt: d.status === 'pending' ? iso(d.nextAttemptAt) : null, deliveredAt: iso(d.deliveredAt), createdAt: iso(d.createdAt),
  }));
  const last = page[page.length - 1];
  return { items: page, nextCursor: found.length > limit && last ? encodeCursor([last.alertId]) : null };
}
