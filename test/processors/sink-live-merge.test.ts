// Live updates queued while a publish is under way go out as one: per product the counts add
// up, and the stamps are the earliest batch's. On Kafka every batch's update was its own
// message, encoded, compressed and decoded by each reader of the updates topic.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionFor } from '../../core/bus/local.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { eventually, makeEvents } from '../helpers/app.js';
import { liveEvents, openSinkHarness, type SinkHarness } from '../helpers/sink.js';

const PER_PRODUCT = 25;
let h: SinkHarness;
/** Holds the sink's first publish of a live update until released. */
let release!: () => void;
const held = new Promise<void>((r) => { release = r; });
let heldAt: number | null = null;

beforeAll(async () => {
  h = await openSinkHarness('sink-live-merge', {
    publish: (inner) => async (topic, messages) => {
      if (heldAt === null && messages.some((m) => (m.value as { kind?: string }).kind === 'engagement')) { heldAt = Date.now(); await held; }
      return inner(topic, messages);
    },
  });
});
afterAll(async () => { release(); await h?.close(); });

describe('raw sink, live updates queued behind a publish', () => {
  it('publishes them as one update with the counts of all', async () => {
    const partitions = h.rt.config.partitions;
    expect(partitions).toBeGreaterThanOrEqual(4);
    // Four products on four partitions: four batches, taken in side by side.
    const products: string[] = [];
    for (let i = 0; products.length < 4; i++) {
      const id = `p-merge-${i}`;
      if (!products.some((p) => partitionFor(p, partitions) === partitionFor(id, partitions))) products.push(id);
    }
    const first = products[0];
    await h.rt.bus.publish(h.rt.topics.engagement, makeEvents(first, PER_PRODUCT, Date.now() - 60_000).map((e) => ({ key: e.productId, value: e })));
    await eventually(async () => heldAt ?? undefined, 10_000, 'the first live update held');
    const rest = products.slice(1).flatMap((p) => makeEvents(p, PER_PRODUCT, Date.now() - 60_000));
    await h.rt.bus.publish(h.rt.topics.engagement, rest.map((e) => ({ key: e.productId, value: e })));
    // Stored means taken in, and so announced, before the write: the three live updates are queued.
    await eventually(async () => {
      const rs = await h.rt.clickhouse.writer.query({ query: `SELECT count() AS n FROM ${TABLES.events}`, format: 'JSONEachRow' });
      return Number((await rs.json<{ n: string }>())[0].n) === 4 * PER_PRODUCT || undefined;
    }, 10_000, 'every event stored');
    release();
    await eventually(async () => (liveEvents(h.updates) >= 4 * PER_PRODUCT ? true : undefined), 10_000, 'every event counted live');
    expect(liveEvents(h.updates)).toBe(4 * PER_PRODUCT);
    // The held one, then the three queued behind it as one.
    expect(h.updates.map((u) => Object.keys(u.products).sort())).toEqual([[first], products.slice(1).sort()]);
    const merged = h.updates[1];
    for (const p of products.slice(1)) {
      const events = makeEvents(p, PER_PRODUCT, 0);
      expect(merged.products[p].delta.events).toBe(PER_PRODUCT);
      expect(merged.products[p].delta.views).toBe(events.reduce((n, e) => n + e.views, 0));
    }
    expect(merged.announcedAt).toBeGreaterThanOrEqual(merged.deliveredAt);
    expect(merged.deliveredAt).toBeGreaterThanOrEqual(merged.acceptedAt);
  });
});
