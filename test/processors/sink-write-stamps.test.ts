// Each stored update says when the sink's write of its events began, between the bus's
// delivery and the end of the write, so that the bench can tell waiting for a write (the one
// before it) from the write itself; the engagement update of the same events came out between
// the delivery and the write's end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, makeEvents } from '../helpers/app.js';
import { openSinkHarness, type SinkHarness } from '../helpers/sink.js';

let h: SinkHarness;

const products = Array.from({ length: 8 }, (_, p) => `p-ws-${p}`);
const publish = (events: ReturnType<typeof makeEvents>) => h.rt.bus.publish(h.rt.topics.engagement, events.map((e) => ({ key: e.productId, value: e })));

beforeAll(async () => { h = await openSinkHarness('sink-write-stamps'); });
afterAll(async () => { await h?.close(); });

describe('raw sink write stamps', () => {
  it('stamps each update with when its write began, between delivery and the end of the write', async () => {
    const before = h.stored.length;
    await publish(products.flatMap((p) => makeEvents(p, 3, Date.now() - 10_000).map((e) => ({ ...e, eventId: `stamp-${e.eventId}` }))));
    const s = await eventually(async () => h.stored[before], 20_000, 'the stored update');
    expect(typeof s.startedAt).toBe('number');
    expect(s.startedAt).toBeGreaterThanOrEqual(s.deliveredAt);
    expect(s.writtenAt).toBeGreaterThanOrEqual(s.startedAt);
    const u = h.updates.find((x) => x.acceptedAt === s.acceptedAt)!;
    expect(u.announcedAt).toBeGreaterThanOrEqual(u.deliveredAt);
    expect(u.announcedAt).toBeLessThanOrEqual(s.writtenAt);
  });
});
