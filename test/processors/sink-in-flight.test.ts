// The raw sink takes a partition's next batch in while the write holding its last one runs (the
// bus's inFlight), so that batch joins the very next write instead of waiting out this one before
// it is even delivered; and what it takes in is bounded by rows, a write's worth behind the
// running write, so memory stays flat however many batches the bus would hand over. A batch's
// live counts go out when it is taken in, not when its write ends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, makeEvents } from '../helpers/app.js';
import { liveEvents, openSinkHarness, type SinkHarness } from '../helpers/sink.js';

const MAX_ROWS = 5;
let h: SinkHarness;
// The first write's dedup lookup waits for the test to open the gate: a write that takes long.
let openGate!: () => void;
const gate = new Promise<void>((r) => { openGate = r; });
let lookups = 0;

let seq = 0;
/** MAX_ROWS events of one product (one partition), ids unique across calls. */
const publishBatch = () => h.rt.bus.publish(h.rt.topics.engagement, makeEvents('p-in-flight', MAX_ROWS, Date.now() - 10_000).map((e) => ({ key: e.productId, value: { ...e, eventId: `if-${seq++}` } })));

beforeAll(async () => {
  h = await openSinkHarness('sink-in-flight', { maxRows: MAX_ROWS, resolve: (inner) => async (...args) => { if (lookups++ === 0) await gate; return inner(...args); } });
});
afterAll(async () => {
  openGate();
  await h?.close();
});

describe('raw sink, batches in hand', () => {
  it('takes the next batch in during a write, and no more than a write\'s worth behind it', async () => {
    await publishBatch();
    await eventually(async () => lookups > 0 || undefined, 20_000, 'the first write to begin');
    // Its counts are out while it hangs: the live figures do not wait for the write.
    await eventually(async () => h.updates.length > 0 || undefined, 20_000, 'the first batch\'s live update');
    expect(liveEvents(h.updates.slice(0, 1))).toBe(MAX_ROWS);
    expect(h.stored).toHaveLength(0);
    // Four more batches of the same partition while the first write hangs.
    for (let i = 0; i < 4; i++) await publishBatch();
    await eventually(async () => h.sink.queuedRows > 0 || undefined, 20_000, 'the next batch taken in during the write');
    await new Promise((r) => setTimeout(r, 300));
    expect(h.sink.queuedRows).toBe(MAX_ROWS); // one write's worth: the other batches wait at the bus
    openGate();
    await eventually(async () => h.stored.length >= 5 || undefined, 30_000, 'all five writes');
    // The second batch was delivered before the first write ended, and announced before it too.
    expect(h.stored[1].deliveredAt).toBeLessThan(h.stored[0].writtenAt);
    expect(h.updates[1].announcedAt).toBeLessThan(h.stored[0].writtenAt);
    expect(h.updates).toHaveLength(5);
    expect(liveEvents(h.updates)).toBe(5 * MAX_ROWS);
  });
});
