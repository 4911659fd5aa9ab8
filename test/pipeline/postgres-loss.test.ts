// TrendDrop on the Postgres server (DATABASE_URL) losing its connections: pg_terminate_backend on
// every backend of its database, again and again while products stream in, and then a spell in
// which the database refuses connections at all. The process lives through it, `ready` says why
// it is not ready while the store is away, the writes wait for it (never dead-lettered), and
// every product is stored once it answers again.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, get, post, startTestApp, tempDir, type TestApp } from '../helpers/app.js';
import { metric } from '../helpers/kafka.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

let db: TestDatabase;
let t: TestApp;

beforeAll(async () => {
  db = await createTestDatabase();
  t = await startTestApp(tempDir('pg-loss'), { DATABASE_URL: db.url });
});
afterAll(async () => {
  await db?.setConnectable(true).catch(() => undefined);
  await t?.stop();
  await db?.drop();
});

async function storedProducts(ids: string[]): Promise<number> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try { return Number((await c.query('SELECT count(*)::int AS n FROM products WHERE product_id = ANY($1)', [ids])).rows[0].n); } finally { await c.end(); }
}

const products = (round: number) => Array.from({ length: 20 }, (_, i) => ({ productId: `pg-loss-${round}-${i}`, title: `Lamp ${round}.${i}`, category: 'Home' }));

describe('Postgres connection loss', () => {
  it('survives pg_terminate_backend on every connection, again and again, and stores everything', async () => {
    const ids: string[] = [];
    for (let round = 0; round < 5; round++) {
      const batch = products(round);
      ids.push(...batch.map((p) => p.productId));
      expect((await post(t.url, 'products', batch)).status).toBe(202);
      // Kill whatever the pool holds right now: idle connections and any write in flight.
      await db.terminateBackends();
      await eventually(async () => ((await storedProducts(ids)) === ids.length ? true : undefined), 30_000, `the products of round ${round}`);
    }
    expect((await get(t.url, 'health')).status).toBe(200);
    expect(await metric(t.url, 'trenddrop_dead_letter_total')).toBe(0);
  });

  it('says why it is not ready while the database refuses connections, and catches up when it answers', async () => {
    await db.setConnectable(false);
    await db.terminateBackends();
    const batch = products(99);
    expect((await post(t.url, 'products', batch)).status).toBe(202); // accepted into the bus log
    // A partition's first retry can still report the kill above ("terminating connection due to
    // administrator command"); its next one meets the refusal, which is what ready must then say.
    const notReady = await eventually(async () => {
      const r = await get(t.url, 'ready');
      return r.status === 503 && r.body.components.consumers?.state === 'down' && !r.body.components.consumers.detail.includes('terminating connection') ? r.body : undefined;
    }, 30_000, 'ready 503 with the consumers down, past the kill\'s errors');
    expect(notReady.components.consumers.detail).toMatch(/^trenddrop-metadata is retrying trenddrop\.products\.v1\/\d at offset \d+ \(attempt \d+\): database "trenddrop_test_\w+" is not currently accepting connections(; |$)/);

    await db.setConnectable(true);
    await eventually(async () => ((await storedProducts(batch.map((p) => p.productId))) === batch.length ? true : undefined), 60_000, 'the products once the database answers');
    await eventually(async () => ((await get(t.url, 'ready')).status === 200 ? true : undefined), 30_000, 'ready again');
    expect(await metric(t.url, 'trenddrop_dead_letter_total')).toBe(0);
    expect(await metric(t.url, 'trenddrop_consumer_retries_total')).toBeGreaterThan(0);
  });
});
