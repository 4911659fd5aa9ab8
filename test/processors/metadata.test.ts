// Metadata upserts and the agent's run history, on both Postgres backends: embedded PGlite and
// the Postgres server. The server half needs one at TRENDDROP_TEST_DATABASE_URL (default
// postgres@127.0.0.1:5432/test); without it, it is skipped with a message — except in CI, where it fails.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBus } from '../../core/bus/local.js';
import { topics as topicNames } from '../../core/bus/topics.js';
import { systemClock } from '../../core/clock.js';
import { createLogger } from '../../core/logger.js';
import { createMetrics } from '../../core/metrics.js';
import { migrateClickHouse, openClickHouse, type ClickHouseStore } from '../../core/stores/clickhouse.js';
import { products, videos } from '../../schemas/postgres/schema.js';
import { MetadataProcessor } from '../../processors/metadata.js';
import { PgRunStore } from '../../ingest/agent/pg-run-store.js';
import type { RunRecord } from '../../ingest/agent/index.js';
import type { BusMessage } from '../../core/bus/types.js';
import { eventually, tempDir } from '../helpers/app.js';
import { openTestPostgres, serverAvailable, SERVER_URL, type TestPostgres } from '../helpers/postgres.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';

const logger = createLogger('silent');
const hasServer = await serverAvailable();
if (!hasServer && process.env.CI) throw new Error(`CI needs the Postgres server at ${SERVER_URL}`);
if (!hasServer) process.stderr.write(`[test/processors/metadata] no Postgres server at ${SERVER_URL}: skipping the server half\n`);

let ch: ClickHouseStore;
beforeAll(async () => {
  ch = await openClickHouse({ clickhouseUrl: null, dataDir: tempDir('meta-ch') });
  await migrateClickHouse(ch.client, logger);
});
afterAll(async () => { await ch?.client.close(); });

for (const kind of ['pglite', 'server'] as const) {
  describe.skipIf(kind === 'server' && !hasServer)(`metadata on ${kind}`, () => {
    let pgs: TestPostgres;
    beforeAll(async () => { pgs = await openTestPostgres(kind); });
    afterAll(async () => { await pgs?.drop(); });

    it('upserts products and videos, the last message per id winning, and dead-letters the invalid ones', async () => {
      const t = topicNames(`meta-${kind}.`);
      const bus = new LocalBus({ dir: null, partitions: 2, logger });
      await bus.ensureTopics(Object.values(t));
      const dlq: BusMessage[] = [];
      await bus.subscribe({ groupId: 'dlq-reader', topics: [t.dlq], handler: async (b) => { dlq.push(...b); } });
      const proc = new MetadataProcessor({ bus, topics: t, db: pgs.store.db, ch: ch.client, clock: systemClock, logger, metrics: createMetrics() });
      await proc.start();
      await bus.publish(t.products, [
        { key: `${kind}-1`, value: { productId: `${kind}-1`, title: 'Old title', category: 'Home', price: 10, currency: 'USD', tags: ['a'] } },
        { key: `${kind}-1`, value: { productId: `${kind}-1`, title: 'New title', category: 'Home', price: 12.5, currency: 'USD', tags: ['a', 'b'] } },
        { key: `${kind}-2`, value: { productId: `${kind}-2`, title: 'Neck Fan' } },
        { key: `${kind}-bad`, value: { productId: `${kind}-bad`, price: -1 } },
        { key: `${kind}-junk`, value: 'not json {' },
      ]);
      await bus.publish(t.videos, [{ key: `${kind}-1`, value: { videoId: `${kind}-v1`, productId: `${kind}-1`, platform: 'tiktok', durationSec: 21, hashtags: ['lamp'], publishedAt: '2026-11-20T10:00:00Z' } }]);
      const rows = await eventually(async () => {
        const r = await pgs.store.db.select().from(products).where(eq(products.productId, `${kind}-1`));
        return r[0]?.title === 'New title' ? r : undefined;
      });
      expect(rows[0]).toMatchObject({ title: 'New title', price: 12.5, tags: ['a', 'b'], category: 'Home' });
      // Keys spread over two partitions: kind-2 may be handled after kind-1.
      const fan = await eventually(async () => (await pgs.store.db.select().from(products).where(eq(products.productId, `${kind}-2`)))[0]);
      expect(fan).toMatchObject({ title: 'Neck Fan', category: 'Uncategorized', price: null });
      const v = await eventually(async () => (await pgs.store.db.select().from(videos).where(eq(videos.videoId, `${kind}-v1`)))[0]);
      expect(v).toMatchObject({ productId: `${kind}-1`, durationSec: 21, hashtags: ['lamp'] });
      expect(v.publishedAt?.toISOString()).toBe('2026-11-20T10:00:00.000Z');
      await eventually(async () => (dlq.length === 2 ? true : undefined));
      expect(dlq.map((m) => (m.value as { reason: string }).reason)).toEqual(expect.arrayContaining([`invalid ${t.products}`, expect.stringMatching(/^not JSON/)]));
      expect((dlq.find((m) => m.key === `${kind}-bad`)!.value as { errors: { field: string }[] }).errors.map((e) => e.field).sort()).toEqual(['price', 'title']);
      const dim = await (await ch.client.query({ query: `SELECT argMax(title, updatedAt) AS title FROM ${TABLES.products} WHERE productId = {id:String}`, query_params: { id: `${kind}-1` }, format: 'JSONEachRow' })).json<{ title: string }>();
      expect(dim[0].title).toBe('New title');
      await proc.stop();
      await bus.close();
    });

    it('upserts a catalogue larger than one statement can carry (Postgres takes 65,535 parameters)', async () => {
      const t = topicNames(`meta-big-${kind}.`);
      const bus = new LocalBus({ dir: null, partitions: 1, logger });
      await bus.ensureTopics(Object.values(t));
      const proc = new MetadataProcessor({ bus, topics: t, db: pgs.store.db, ch: ch.client, clock: systemClock, logger, metrics: createMetrics() });
      const many = Array.from({ length: 8000 }, (_, i) => ({ productId: `${kind}-big-${i}`, title: `Big ${i}`, category: 'Bulk', tags: ['x'] }));
      await proc.upsertProducts(many);
      const [{ n }] = await pgs.store.db.select({ n: sql<number>`count(*)::int` }).from(products).where(eq(products.category, 'Bulk'));
      expect(n).toBe(8000);
      await bus.close();
    });

    it('keeps agent runs by id, newest first, updated when they end', async () => {
      const store = new PgRunStore(pgs.store.db);
      const run = (id: string, source: string, startedAt: string, patch: Partial<RunRecord> = {}): RunRecord => ({
        id, source, trigger: 'schedule', startedAt, endedAt: null, status: 'running', itemsFound: 0, newProducts: 0,
        productsSent: 0, eventsSent: 0, videosSent: 0, changes: {}, errors: [], ...patch,
      });
      await store.save(run('r1', 'shopify', '2026-11-26T10:00:00.000Z'));
      await store.save(run('r2', 'feed', '2026-11-26T11:00:00.000Z'));
      await store.save(run('r1', 'shopify', '2026-11-26T10:00:00.000Z', { status: 'partial', endedAt: '2026-11-26T10:00:02.000Z', itemsFound: 7, newProducts: 2, changes: { price: 1 }, errors: [{ message: 'robots.txt disallows /x' }] }));
      const all = await store.recent();
      expect(all.map((r) => r.id)).toEqual(['r2', 'r1']);
      expect(all[1]).toMatchObject({ status: 'partial', itemsFound: 7, newProducts: 2, changes: { price: 1 }, errors: [{ message: 'robots.txt disallows /x' }], endedAt: '2026-11-26T10:00:02.000Z' });
      expect((await store.recent({ source: 'feed' })).map((r) => r.id)).toEqual(['r2']);
    });
  });
}
