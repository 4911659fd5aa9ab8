// Alert webhook: delivers each alert queued in the Postgres outbox (`alert_deliveries`, written
// in the alert's own transaction) to TRENDDROP_ALERT_WEBHOOK as a signed POST. At least once:
// a delivery is marked done only after a 2xx, so a crash between the POST and the mark sends it
// again; receivers deduplicate by the `idempotency-key` header (the same for every attempt).
// Failures back off exponentially and never touch the pipeline: this loop only reads the outbox.
//
// Signature: `x-trenddrop-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`,
// as Stripe signs its webhooks: the timestamp inside the MAC lets a receiver refuse replays.
import { createHmac } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { and, eq, inArray, lte } from 'drizzle-orm';
import type { Clock } from '../core/clock.js';
import type { AlertWebhookConfig } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import type { Db } from '../core/stores/postgres.js';
import { alertDeliveries, alerts, products } from '../schemas/postgres/schema.js';

export interface AlertWebhookDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  config: AlertWebhookConfig;
  /** How often the outbox is polled for due deliveries. */
  pollMs?: number;
  /** Resolves a host name to its addresses (tests pass a fake). */
  resolve?: (host: string) => Promise<string[]>;
}

/** Attempts before a delivery is given up (about a day of backoff). */
export const MAX_ATTEMPTS = 12;
/** Backoff before attempt n+1: 10 s · 2ⁿ⁻¹, capped at an hour, ±20% jitter so failed receivers are not hit in step. */
export function backoffMs(attempts: number, random = Math.random): number {
  const base = Math.min(3_600_000, 10_000 * 2 ** (attempts - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}
const TIMEOUT_MS = 10_000;
/** A claimed delivery is not claimed again for this long (another process, or this one after a crash). */
const LEASE_MS = 60_000;
const BATCH = 20;

export const SIGNATURE_HEADER = 'x-trenddrop-signature';

export function signature(secret: string, timestampSec: number, body: string): string {
  return `t=${timestampSec},v1=${createHmac('sha256', secret).update(`${timestampSec}.${body}`).digest('hex')}`;
}

/** Link-local addresses, where cloud metadata services answer (169.254.169.254, fd00:ec2::254 aside). */
export function isLinkLocal(address: string): boolean {
  const v = isIP(address);
  if (v === 4) return address.startsWith('169.254.');
  if (v === 6) {
    const a = address.toLowerCase();
    const mapped = a.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/);
    if (mapped) return isLinkLocal(mapped[1]);
    return /^fe[89ab][0-9a-f]:/.test(a) || a === 'fd00:ec2::254';
  }
  return false;
}

export class AlertWebhook {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private readonly log: Logger;
  private readonly resolve: (host: string) => Promise<string[]>;

  constructor(private readonly d: AlertWebhookDeps) {
    this.log = d.logger.child({ component: 'alert-webhook' });
    this.resolve = d.resolve ?? (async (host) => (await lookup(host, { all: true })).map((a) => a.address));
  }

  start(): void {
    const tick = () => {
      this.running = this.running.then(() => this.deliverDue()).catch((err) => this.log.error({ err }, 'webhook pass failed'));
      if (!this.stopped) this.timer = setTimeout(tick, this.d.pollMs ?? 1000);
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass over the due deliveries; resolves with how many were delivered. */
  async deliverDue(): Promise<number> {
    const now = this.d.clock.now();
    // Claim: push the due rows' next attempt past the lease in one statement, so two processes never send the same attempt.
    const due = this.d.db.select({ id: alertDeliveries.alertId }).from(alertDeliveries)
      .where(and(eq(alertDeliveries.status, 'pending'), lte(alertDeliveries.nextAttemptAt, new Date(now)))).orderBy(alertDeliveries.nextAttemptAt).limit(BATCH);
    const claimed = await this.d.db.update(alertDeliveries).set({ nextAttemptAt: new Date(now + LEASE_MS) })
      .where(and(inArray(alertDeliveries.alertId, due), eq(alertDeliveries.status, 'pending'), lte(alertDeliveries.nextAttemptAt, new Date(now))))
      .returning({ alertId: alertDeliveries.alertId, attempts: alertDeliveries.attempts });
    if (!claimed.length) return 0;
    const rows = await this.d.db.select({ alert: alerts, title: products.title }).from(alerts).leftJoin(products, eq(products.productId, alerts.productId))
      .where(inArray(alerts.alertId, claimed.map((c) => c.alertId)));
    let delivered = 0;
    for (const c of claimed) {
      const row = rows.find((r) => r.alert.alertId === c.alertId);
      if (!row) continue; // the alert was deleted; its delivery went with it (cascade)
      if (await this.deliver(row.alert, row.title, c.attempts + 1)) delivered++;
    }
    return delivered;
  }

  private async deliver(a: typeof alerts.$inferSelect, title: string | null, attempt: number): Promise<boolean> {
    const key = `trenddrop-alert-${a.alertId}`;
    const body = JSON.stringify({
      id: key, type: 'breakout',
      alert: {
        alertId: a.alertId, productId: a.productId, title, kind: a.kind, severity: a.severity, message: a.message,
        momentumPerHour: a.value, at: a.at.toISOString(), stepSec: a.stepSec, createdAt: a.createdAt.toISOString(),
      },
    });
    let status: number | null = null;
    let error: string | null = null;
    try {
      await this.checkTarget();
      const ts = Math.floor(this.d.clock.now() / 1000);
      const res = await fetch(this.d.config.url, {
        method: 'POST', body, redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS),
        headers: { 'content-type': 'application/json', 'idempotency-key': key, 'x-trenddrop-attempt': String(attempt), [SIGNATURE_HEADER]: signature(this.d.config.secret, ts, body) },
      });
      status = res.status;
      await res.body?.cancel();
      if (res.ok) {
        await this.d.db.update(alertDeliveries).set({ status: 'delivered', attempts: attempt, lastStatusCode: status, lastError: null, deliveredAt: new Date(this.d.clock.now()) })
          .where(eq(alertDeliveries.alertId, a.alertId));
        return true;
      }
      error = `HTTP ${status}`;
    } catch (err) {
      error = (err as Error).message;
    }
    const gaveUp = attempt >= MAX_ATTEMPTS;
    await this.d.db.update(alertDeliveries).set({
      status: gaveUp ? 'failed' : 'pending', attempts: attempt, lastStatusCode: status, lastError: error?.slice(0, 500) ?? null,
      nextAttemptAt: new Date(this.d.clock.now() + backoffMs(attempt)),
    }).where(eq(alertDeliveries.alertId, a.alertId));
    this.log.warn({ alertId: a.alertId, attempt, status, error, gaveUp }, 'webhook delivery failed');
    return false;
  }

  /** Refuses a target that resolves to a link-local address unless allowed (checked per attempt: DNS can change). */
  private async checkTarget(): Promise<void> {
    if (this.d.config.allowLinkLocal) return;
    const host = new URL(this.d.config.url).hostname.replace(/^\[|\]$/g, '');
    const addresses = isIP(host) ? [host] : await this.resolve(host);
    const bad = addresses.find(isLinkLocal);
    if (bad) throw new Error(`refused: ${host} resolves to link-local ${bad} (set TRENDDROP_ALERT_WEBHOOK_ALLOW_LINK_LOCAL=on to allow)`);
  }
}
