// The dedup filter against a real chdb: ids read back at start exactly as the sink wrote them
// (a backslash included), and topped up by refresh() with what another writer stored since,
// which a partition moving from that writer may redeliver.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.js';
import { migrateClickHouse, openClickHouse, type ClickHouseStore } from '../../core/stores/clickhouse.js';
import { EventDedup, storedIds, type StoredKey } from '../../processors/dedup.js';
import { encodeEvents, insertEvents } from '../../processors/event-rows.js';
import type { EngagementEvent } from '../../schemas/events.js';
import { normalizeEvent } from '../../schemas/validate.js';
import { makeEvents } from '../helpers/app.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';

const logger = createLogger('silent');
let dir: string;
let store: ClickHouseStore;

/** A batch through both halves of the filter: its new items (remembered) and those already stored. */
async function filterNew<T extends StoredKey>(dedup: EventDedup, items: T[]): Promise<{ fresh: T[]; stored: T[] }> {
  const { fresh, maybe } = dedup.classify(items);
  const resolved = await dedup.resolve(maybe, fresh);
  return { fresh: fresh.concat(resolved.fresh), stored: resolved.stored };
}

/** What a sink does with a batch: keep what its filter calls new, insert it. */
async function write(dedup: EventDedup, events: EngagementEvent[]) {
  const { fresh } = await filterNew(dedup, events.map((e) => normalizeEvent(e)));
  await insertEvents(store.client, encodeEvents(fresh, () => false, Date.now()));
  return fresh.length;
}

const batch = (tag: string, n: number) => makeEvents(`p-${tag}`, n, Date.now() - 60_000).map((e) => ({ ...e, eventId: `${tag}\\${e.eventId}` }) as EngagementEvent);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trenddrop-dedup-'));
  store = await openClickHouse({ clickhouseUrl: '', dataDir: dir });
  await migrateClickHouse(store.client, logger);
});
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('EventDedup', () => {
  it('knows after a restart every id it stored, backslashes included', async () => {
    const first = new EventDedup({ ch: store.client, logger, capacity: 10_000 });
    await first.load();
    const events = batch('restart', 50);
    expect(await write(first, events)).toBe(50);
    const again = new EventDedup({ ch: store.client, logger, capacity: 10_000 });
    expect(await again.load()).toBeGreaterThanOrEqual(50);
    const { fresh, stored } = await filterNew(again, events.map((e) => normalizeEvent(e)));
    expect(fresh).toHaveLength(0);
    expect(stored).toHaveLength(50);
    expect(again.lookups).toBe(50); // every one was a "maybe" the filter had, confirmed by ClickHouse
  });

  it('loads page by page along the sort key, ties in product and time included', async () => {
    const writer = new EventDedup({ ch: store.client, logger, capacity: 10_000 });
    await writer.load();
    // Five events share each (product, ms), so page ends fall inside runs of equal keys.
    const events = batch('ties', 60).map((e, i) => ({ ...e, productId: `p-ties-${i % 2}`, ts: new Date(Date.UTC(2026, 10, 1) + Math.floor(i / 10) * 1000).toISOString() }));
    expect(await write(writer, events)).toBe(60);
    const paged = new EventDedup({ ch: store.client, logger, capacity: 10_000, pageSize: 7 });
    const total = await paged.load();
    const { fresh, stored } = await filterNew(paged, events.map((e) => normalizeEvent(e)));
    expect(fresh).toHaveLength(0);
    expect(stored).toHaveLength(60);
    const count = await store.client.query({ query: `SELECT count() AS n FROM ${TABLES.events}`, format: 'JSONEachRow' });
    expect(total).toBe(Number((await count.json<{ n: string }>())[0].n)); // each stored id read once
  });

  it('keeps the first of an id repeated within a batch, new or stored, and drops the repeats', async () => {
    const dedup = new EventDedup({ ch: store.client, logger, capacity: 10_000 });
    await dedup.load();
    const old = batch('repeat-old', 5);
    expect(await write(dedup, old)).toBe(5);
    const neu = batch('repeat-new', 5);
    // Each new id three times, each stored one twice, interleaved.
    const mixed = [...neu, ...old, ...neu.slice().reverse(), ...old, ...neu].map((e) => normalizeEvent(e));
    const { fresh, stored } = await filterNew(dedup, mixed);
    expect(fresh.map((e) => e.eventId)).toEqual(neu.map((e) => e.eventId));
    expect(stored.map((e) => e.eventId).sort()).toEqual(old.map((e) => e.eventId).sort());
    expect(dedup.lookups).toBe(5); // the stored ids once each; the repeats of new ids never reach ClickHouse
  });

  it('refresh() adds what another writer stored after the load', async () => {
    const [a, b, stale] = [1, 2, 3].map(() => new EventDedup({ ch: store.client, logger, capacity: 10_000 }));
    await Promise.all([a.load(), b.load(), stale.load()]);
    const events = batch('moved', 40);
    expect(await write(a, events)).toBe(40);
    const ids = events.map((e) => normalizeEvent(e));
    // A filter that has not seen a's writes calls them new: they would be counted twice.
    expect((await filterNew(stale, ids)).fresh).toHaveLength(40);
    const before = b.lookups;
    expect(await b.refresh()).toBeGreaterThanOrEqual(40);
    const { fresh, stored } = await filterNew(b, ids);
    expect(fresh).toHaveLength(0);
    expect(stored).toHaveLength(40);
    expect(b.lookups - before).toBe(40);
  });

  it('finds stored events at any volume: dense redeliveries by time range, sparse ones and samples of a busy history by id', async () => {
    // 60,000 stored events (past the ~41,000 ids at which one IN query took minutes), 40 products.
    const t0 = Date.UTC(2026, 9, 1);
    const dense = Array.from({ length: 60_000 }, (_, i) => normalizeEvent({ eventId: `dense-${i}`, ts: new Date(t0 + i * 20).toISOString(), productId: `p-dense-${i % 40}`, platform: 'web', region: 'US', views: 1 } as EngagementEvent));
    for (let i = 0; i < dense.length; i += 20_000) await insertEvents(store.client, encodeEvents(dense.slice(i, i + 20_000), () => false, Date.now()));
    const absent = dense.slice(0, 300).map((e, i) => ({ ...e, eventId: `never-stored-${i}` }));
    const all = await storedIds(store.client, [...dense, ...absent]);
    expect(all.size).toBe(dense.length);
    for (const e of absent) expect(all.has(e.eventId)).toBe(false);
    // One in a hundred: a dense window over a range holding 100 times as many stored events.
    const sample = dense.filter((_, i) => i % 100 === 0);
    const sampled = await storedIds(store.client, [...sample, ...absent.slice(0, 5)]);
    expect([...sampled].sort()).toEqual(sample.map((e) => e.eventId).sort());
    // Scattered over months: looked up by id.
    const far = [dense[0], dense[30_000], dense[59_999]].map((e, i) => ({ ...e, tsMs: e.tsMs + i * 40 * 86_400_000 }));
    expect((await storedIds(store.client, far)).size).toBe(3);
    expect((await storedIds(store.client, [])).size).toBe(0);
    // Resent re-stamped: the same ids a minute later, as a client stamping its retries anew sends
    // them. The time range of the resend misses the first minute of the stored run; those ids
    // are found all the same, since the eventId alone is the key.
    const restamped = dense.slice(0, 6000).map((e) => ({ ...e, tsMs: e.tsMs + 60_000 }));
    expect((await storedIds(store.client, restamped)).size).toBe(restamped.length);
  });
});
