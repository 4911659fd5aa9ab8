// The raw sink takes a partition's next batch in while the write holding its last one runs (the
// bus's inFlight), so that batch joins the very next write instead of waiting out this one before
// it is even delivered; and what it takes in is bounded by rows, a write's worth behind the
// running write, so memory stays flat however many batches the bus would hand over. A batch's
// live counts go out when it is taken in, not when its write ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { openRuntime, type Runtime } from '../../core/runtime.js';
import { EventDedup } from '../../processors/dedup.js';
import { RawSink } from '../../processors/raw-sink.js';
import { RollupRepair } from '../../processors/rollup-repair.js';
import { eventually, makeEvents } from '../helpers/app.js';
import type { EngagementStoredUpdate, EngagementUpdate, Update } from '../../schemas/updates.js';
import type { Subscription } from '../../core/bus/types.js';

const MAX_ROWS = 5;
let dir: string;
let rt: Runtime;
let sink: RawSink;
let updatesSub: Subscription;
const updates: EngagementUpdate[] = [];
const stored: EngagementStoredUpdate[] = [];
// The first write's dedup lookup waits for the test to open the gate: a write that takes long.
let openGate!: () => void;
const gate = new Promise<void>((r) => { openGate = r; });
let lookups = 0;

let seq = 0;
/** MAX_ROWS events of one product (one partition), ids unique across calls. */
const publishBatch = () => rt.bus.publish(rt.topics.engagement, makeEvents('p-in-flight', MAX_ROWS, Date.now() - 10_000).map((e) => ({ key: e.productId, value: { ...e, eventId: `if-${seq++}` } })));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trenddrop-sink-in-flight-'));
  rt = await openRuntime(loadConfig({ TRENDDROP_DATA_DIR: dir, TRENDDROP_SIMULATOR: 'off' }), { logger: createLogger('silent') });
  const ch = rt.clickhouse.writer;
  const dedup = new EventDedup({ ch, logger: rt.logger, capacity: 100_000 });
  await dedup.load();
  const slowFirst = new Proxy(dedup, {
    get(target, prop) {
      if (prop === 'resolve') return async (...args: Parameters<EventDedup['resolve']>) => { if (lookups++ === 0) await gate; return target.resolve(...args); };
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  sink = new RawSink({
    bus: rt.bus, topics: rt.topics, ch, dedup: slowFirst, repair: new RollupRepair({ ch, logger: rt.logger, metrics: rt.metrics }),
    clock: rt.clock, logger: rt.logger, metrics: rt.metrics, allowedLatenessMs: 3_600_000, maxRows: MAX_ROWS,
  });
  updatesSub = await rt.bus.subscribe({
    groupId: 'test-sink-in-flight-updates', topics: [rt.topics.updates], ephemeral: true,
    handler: async (batch) => {
      for (const { value } of batch as { value: Update }[]) {
        if (value.kind === 'engagement') updates.push(value);
        if (value.kind === 'engagement-stored') stored.push(value);
      }
    },
  });
  await updatesSub.ready;
  await sink.start();
});
afterAll(async () => {
  openGate();
  await updatesSub?.close();
  await sink?.stop();
  await rt?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('raw sink, batches in hand', () => {
  it('takes the next batch in during a write, and no more than a write\'s worth behind it', async () => {
    await publishBatch();
    await eventually(async () => lookups > 0 || undefined, 20_000, 'the first write to begin');
    // Its counts are out while it hangs: the live figures do not wait for the write.
    await eventually(async () => updates.length > 0 || undefined, 20_000, 'the first batch\'s live update');
    expect(Object.values(updates[0].products).reduce((m, p) => m + p.delta.events, 0)).toBe(MAX_ROWS);
    expect(stored).toHaveLength(0);
    // Four more batches of the same partition while the first write hangs.
    for (let i = 0; i < 4; i++) await publishBatch();
    await eventually(async () => sink.queuedRows > 0 || undefined, 20_000, 'the next batch taken in during the write');
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.queuedRows).toBe(MAX_ROWS); // one write's worth: the other batches wait at the bus
    openGate();
    await eventually(async () => stored.length >= 5 || undefined, 30_000, 'all five writes');
    // The second batch was delivered before the first write ended, and announced before it too.
    expect(stored[1].deliveredAt).toBeLessThan(stored[0].writtenAt);
    expect(updates[1].announcedAt).toBeLessThan(stored[0].writtenAt);
    expect(updates).toHaveLength(5);
    expect(updates.reduce((n, u) => n + Object.values(u.products).reduce((m, p) => m + p.delta.events, 0), 0)).toBe(5 * MAX_ROWS);
  });
});
