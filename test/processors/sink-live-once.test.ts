// The raw sink announces a batch's counts when it takes the batch in, before the write: a write
// that fails is redelivered by the bus, and its events (new, but now known to the dedup filter)
// must not be announced a second time, or a live chart would count them twice.
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
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { eventually, makeEvents } from '../helpers/app.js';
import type { EngagementStoredUpdate, EngagementUpdate, Update } from '../../schemas/updates.js';
import type { Subscription } from '../../core/bus/types.js';

const N = 40;
let dir: string;
let rt: Runtime;
let sink: RawSink;
let updatesSub: Subscription;
const updates: EngagementUpdate[] = [];
const stored: EngagementStoredUpdate[] = [];
let failures = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trenddrop-sink-live-once-'));
  rt = await openRuntime(loadConfig({ TRENDDROP_DATA_DIR: dir, TRENDDROP_SIMULATOR: 'off' }), { logger: createLogger('silent') });
  const ch = rt.clickhouse.writer;
  const dedup = new EventDedup({ ch, logger: rt.logger, capacity: 100_000 });
  await dedup.load();
  // The first write fails after its batch was announced (as a store error that is not transient).
  const failsOnce = new Proxy(dedup, {
    get(target, prop) {
      if (prop === 'resolve') return async (...args: Parameters<EventDedup['resolve']>) => { if (failures++ === 0) throw new Error('write failed'); return target.resolve(...args); };
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  sink = new RawSink({
    bus: rt.bus, topics: rt.topics, ch, dedup: failsOnce, repair: new RollupRepair({ ch, logger: rt.logger, metrics: rt.metrics }),
    clock: rt.clock, logger: rt.logger, metrics: rt.metrics, allowedLatenessMs: 3_600_000,
  });
  updatesSub = await rt.bus.subscribe({
    groupId: 'test-sink-live-once-updates', topics: [rt.topics.updates], ephemeral: true,
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

describe('raw sink, live counts of a failed write', () => {
  it('announces each event once though its write failed and was redelivered', async () => {
    // One product, so one partition and one batch.
    await rt.bus.publish(rt.topics.engagement, makeEvents('p-live-once', N, Date.now() - 10_000).map((e) => ({ key: e.productId, value: e })));
    await eventually(async () => stored.length > 0 || undefined, 30_000, 'the write after the redelivery');
    expect(failures).toBeGreaterThanOrEqual(2);
    const rs = await rt.clickhouse.writer.query({ query: `SELECT count() AS n FROM ${TABLES.events}`, format: 'JSONEachRow' });
    expect(Number((await rs.json<{ n: string }>())[0].n)).toBe(N);
    await new Promise((r) => setTimeout(r, 200));
    expect(updates.reduce((n, u) => n + Object.values(u.products).reduce((m, p) => m + p.delta.events, 0), 0)).toBe(N);
  });
});
