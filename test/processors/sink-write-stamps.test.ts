// Each stored update says when the sink's write of its events began, between the bus's
// delivery and the end of the write, so that the bench can tell waiting for a write (the one
// before it) from the write itself; the engagement update of the same events came out between
// the delivery and the write's end.
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

let dir: string;
let rt: Runtime;
let sink: RawSink;
const updates: EngagementUpdate[] = [];
const stored: EngagementStoredUpdate[] = [];
let updatesSub: Subscription;

const products = Array.from({ length: 8 }, (_, p) => `p-ws-${p}`);
const publish = (events: ReturnType<typeof makeEvents>) => rt.bus.publish(rt.topics.engagement, events.map((e) => ({ key: e.productId, value: e })));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trenddrop-write-stamps-'));
  rt = await openRuntime(loadConfig({ TRENDDROP_DATA_DIR: dir, TRENDDROP_SIMULATOR: 'off' }), { logger: createLogger('silent') });
  const ch = rt.clickhouse.writer;
  const dedup = new EventDedup({ ch, logger: rt.logger, capacity: 100_000 });
  await dedup.load();
  sink = new RawSink({
    bus: rt.bus, topics: rt.topics, ch, dedup, repair: new RollupRepair({ ch, logger: rt.logger, metrics: rt.metrics }),
    clock: rt.clock, logger: rt.logger, metrics: rt.metrics, allowedLatenessMs: 3_600_000,
  });
  updatesSub = await rt.bus.subscribe({
    groupId: 'test-group-commit-updates', topics: [rt.topics.updates], ephemeral: true,
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
  await updatesSub?.close();
  await sink?.stop();
  await rt?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('raw sink write stamps', () => {
  it('stamps each update with when its write began, between delivery and the end of the write', async () => {
    const before = stored.length;
    await publish(products.flatMap((p) => makeEvents(p, 3, Date.now() - 10_000).map((e) => ({ ...e, eventId: `stamp-${e.eventId}` }))));
    const s = await eventually(async () => stored[before], 20_000, 'the stored update');
    expect(typeof s.startedAt).toBe('number');
    expect(s.startedAt).toBeGreaterThanOrEqual(s.deliveredAt);
    expect(s.writtenAt).toBeGreaterThanOrEqual(s.startedAt);
    const u = updates.find((x) => x.acceptedAt === s.acceptedAt)!;
    expect(u.announcedAt).toBeGreaterThanOrEqual(u.deliveredAt);
    expect(u.announcedAt).toBeLessThanOrEqual(s.writtenAt);
  });
});
