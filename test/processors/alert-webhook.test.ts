// Alert webhook against a real outbox (PGlite) and a real HTTP receiver on loopback: signed,
// retried with backoff until a 2xx, the same idempotency key on every attempt, logged; link-local
// targets refused.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { openRuntime, type Runtime } from '../../core/runtime.js';
import { AlertWebhook, backoffMs, isLinkLocal, MAX_ATTEMPTS, SIGNATURE_HEADER } from '../../processors/alert-webhook.js';
import { listAlertDeliveries } from '../../api/queries/list-alert-deliveries.js';
import { alertDeliveries, alerts, products } from '../../schemas/postgres/schema.js';

const SECRET = 'a-test-secret-of-some-length';
let dir: string;
let rt: Runtime;
let server: Server;
let url: string;
/** What the receiver answers next, and what it received. */
let answers: number[] = [];
const received: { headers: IncomingMessage['headers']; body: string }[] = [];
const clock = new ManualClock(Date.UTC(2026, 10, 20));

async function queue(productId: string, at: number) {
  const [a] = await rt.postgres.db.insert(alerts).values({ productId, kind: 'spike', severity: 'warning', message: `${productId} is breaking out`, value: 0.1, dedupKey: `breakout:${productId}:${at}`, at: new Date(at), stepSec: 3600 }).returning();
  await rt.postgres.db.insert(alertDeliveries).values({ alertId: a.alertId, nextAttemptAt: new Date(clock.now()) });
  return a.alertId;
}
const delivery = async (id: number) => (await rt.postgres.db.select().from(alertDeliveries).where(eq(alertDeliveries.alertId, id)))[0];
const webhook = (over: Partial<ConstructorParameters<typeof AlertWebhook>[0]['config']> = {}, resolve?: (h: string) => Promise<string[]>) =>
  new AlertWebhook({ db: rt.postgres.db, clock, logger: rt.logger, config: { url, secret: SECRET, allowLinkLocal: false, ...over }, resolve });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trenddrop-webhook-'));
  rt = await openRuntime(loadConfig({ TRENDDROP_DATA_DIR: dir }), { logger: createLogger('silent'), clock });
  await rt.postgres.db.insert(products).values({ productId: 'p-lamp', title: 'Sunset Lamp' });
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { received.push({ headers: req.headers, body }); res.statusCode = answers.shift() ?? 200; res.end(); });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks/trenddrop`;
});

afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await rt?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('alert webhook', () => {
  it('signs the body, retries with backoff after a failure, and delivers once with one idempotency key', async () => {
    const id = await queue('p-lamp', Date.UTC(2026, 10, 19, 14));
    answers = [503];
    const w = webhook();
    expect(await w.deliverDue()).toBe(0);
    const failed = await delivery(id);
    expect(failed).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 503, lastError: 'HTTP 503' });
    const wait = failed.nextAttemptAt.getTime() - clock.now();
    expect(wait).toBeGreaterThanOrEqual(8_000);
    expect(wait).toBeLessThanOrEqual(12_000);
    // Not due yet: nothing is sent.
    expect(await w.deliverDue()).toBe(0);
    expect(received).toHaveLength(1);
    clock.advance(wait);
    expect(await w.deliverDue()).toBe(1);
    expect(await delivery(id)).toMatchObject({ status: 'delivered', attempts: 2, lastStatusCode: 200, lastError: null });
    expect(await w.deliverDue()).toBe(0);

    expect(received).toHaveLength(2);
    const [first, second] = received;
    expect(first.headers['idempotency-key']).toBe(`trenddrop-alert-${id}`);
    expect(second.headers['idempotency-key']).toBe(first.headers['idempotency-key']);
    expect(second.headers['x-trenddrop-attempt']).toBe('2');
    const sig = String(second.headers[SIGNATURE_HEADER]);
    const [, t, v1] = sig.match(/^t=(\d+),v1=([0-9a-f]{64})$/)!;
    expect(v1).toBe(createHmac('sha256', SECRET).update(`${t}.${second.body}`).digest('hex'));
    expect(JSON.parse(second.body)).toMatchObject({ id: `trenddrop-alert-${id}`, type: 'breakout', alert: { alertId: id, productId: 'p-lamp', title: 'Sunset Lamp', at: '2026-11-19T14:00:00.000Z' } });

    const log = await listAlertDeliveries(rt.postgres.db, {});
    expect(log.items[0]).toMatchObject({ alertId: id, productId: 'p-lamp', status: 'delivered', attempts: 2, nextAttemptAt: null });
  });

  it('gives up after the last attempt, and an unreachable receiver does not stop the others', async () => {
    const dead = await queue('p-dead', Date.UTC(2026, 10, 19, 15));
    await rt.postgres.db.update(alertDeliveries).set({ attempts: MAX_ATTEMPTS - 1 }).where(eq(alertDeliveries.alertId, dead));
    answers = [500];
    expect(await webhook().deliverDue()).toBe(0);
    expect(await delivery(dead)).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, lastStatusCode: 500 });
    const next = await queue('p-next', Date.UTC(2026, 10, 19, 16));
    expect(await webhook({ url: 'http://127.0.0.1:1/nothing-listens' }).deliverDue()).toBe(0);
    expect(await delivery(next)).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: null });
    expect((await delivery(next)).lastError).toBeTruthy();
  });

  it('refuses link-local targets (cloud metadata), by address or by name, unless allowed', async () => {
    expect(['169.254.169.254', 'fe80::1', '::ffff:169.254.1.1'].every(isLinkLocal)).toBe(true);
    expect(['127.0.0.1', '10.0.0.1', '::1', 'example.com'].some(isLinkLocal)).toBe(false);
    const before = received.length;
    clock.advance(86_400_000);
    const byName = webhook({ url: 'http://metadata.internal/x' }, async () => ['169.254.169.254']);
    expect(await byName.deliverDue()).toBe(0);
    const [row] = (await listAlertDeliveries(rt.postgres.db, {})).items;
    expect(row.lastError).toMatch(/refused: metadata\.internal resolves to link-local 169\.254\.169\.254/);
    expect(received.length).toBe(before);
  });

  it('backs off exponentially to an hour, with jitter', () => {
    expect(backoffMs(1, () => 0.5)).toBe(10_000);
    expect(backoffMs(4, () => 0.5)).toBe(80_000);
    expect(backoffMs(20, () => 0.5)).toBe(3_600_000);
    expect(backoffMs(1, () => 0)).toBe(8_000);
    expect(backoffMs(1, () => 1)).toBe(12_000);
  });
});
