// The raw sink announces a batch's counts when it takes the batch in, before the write: a write
// that fails is redelivered by the bus, and its events (new, but now known to the dedup filter)
// must not be announced a second time, or a live chart would count them twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { eventually, makeEvents } from '../helpers/app.js';
import { liveEvents, openSinkHarness, type SinkHarness } from '../helpers/sink.js';

const N = 40;
let h: SinkHarness;
let failures = 0;

// The first write fails after its batch was announced (as a store error that is not transient).
beforeAll(async () => {
  h = await openSinkHarness('sink-live-once', { resolve: (inner) => async (...args) => { if (failures++ === 0) throw new Error('write failed'); return inner(...args); } });
});
afterAll(async () => { await h?.close(); });

describe('raw sink, live counts of a failed write', () => {
  it('announces each event once though its write failed and was redelivered', async () => {
    // One product, so one partition and one batch.
    await h.rt.bus.publish(h.rt.topics.engagement, makeEvents('p-live-once', N, Date.now() - 10_000).map((e) => ({ key: e.productId, value: e })));
    await eventually(async () => h.stored.length > 0 || undefined, 30_000, 'the write after the redelivery');
    expect(failures).toBeGreaterThanOrEqual(2);
    const rs = await h.rt.clickhouse.writer.query({ query: `SELECT count() AS n FROM ${TABLES.events}`, format: 'JSONEachRow' });
    expect(Number((await rs.json<{ n: string }>())[0].n)).toBe(N);
    await new Promise((r) => setTimeout(r, 200));
    expect(liveEvents(h.updates)).toBe(N);
  });
});
