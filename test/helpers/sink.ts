// The raw sink on a fresh embedded runtime, with every update it publishes collected: the
// harness of the sink's own tests. `resolve` wraps the dedup's lookup at the write, so a test
// can hold a write open or make it fail; `publish` wraps the sink's publishing, so a test can
// hold a publish open.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import type { Bus } from '../../core/bus/types.js';
import { openRuntime, type Runtime } from '../../core/runtime.js';
import { EventDedup } from '../../processors/dedup.js';
import { RawSink } from '../../processors/raw-sink.js';
import { RollupRepair } from '../../processors/rollup-repair.js';
import type { EngagementStoredUpdate, EngagementUpdate, Update } from '../../schemas/updates.js';

type Resolve = EventDedup['resolve'];
type Publish = Bus['publish'];

export interface SinkHarness {
  rt: Runtime;
  sink: RawSink;
  /** Live updates (announced when a batch is taken in), in order. */
  updates: EngagementUpdate[];
  /** Stored updates (one after each write), in order. */
  stored: EngagementStoredUpdate[];
  close(): Promise<void>;
}

export async function openSinkHarness(name: string, opts: { resolve?: (inner: Resolve) => Resolve; publish?: (inner: Publish) => Publish; maxRows?: number } = {}): Promise<SinkHarness> {
  const dir = mkdtempSync(join(tmpdir(), `trenddrop-${name}-`));
  const rt = await openRuntime(loadConfig({ TRENDDROP_DATA_DIR: dir, TRENDDROP_SIMULATOR: 'off' }), { logger: createLogger('silent') });
  const ch = rt.clickhouse.writer;
  const dedup = new EventDedup({ ch, logger: rt.logger, capacity: 100_000 });
  await dedup.load();
  if (opts.resolve) dedup.resolve = opts.resolve(dedup.resolve.bind(dedup));
  const bus: Bus = opts.publish ? {
    kind: rt.bus.kind, publish: opts.publish(rt.bus.publish.bind(rt.bus)), ensureTopics: rt.bus.ensureTopics.bind(rt.bus), subscribe: rt.bus.subscribe.bind(rt.bus),
    lag: rt.bus.lag.bind(rt.bus), offsets: rt.bus.offsets.bind(rt.bus), ping: rt.bus.ping.bind(rt.bus), close: rt.bus.close.bind(rt.bus),
  } : rt.bus;
  const sink = new RawSink({
    bus, topics: rt.topics, ch, dedup, repair: new RollupRepair({ ch, logger: rt.logger, metrics: rt.metrics }),
    clock: rt.clock, logger: rt.logger, metrics: rt.metrics, allowedLatenessMs: 3_600_000, maxRows: opts.maxRows,
  });
  const updates: EngagementUpdate[] = [];
  const stored: EngagementStoredUpdate[] = [];
  const updatesSub = await rt.bus.subscribe({
    groupId: `test-${name}-updates`, topics: [rt.topics.updates], ephemeral: true,
    handler: async (batch) => {
      for (const { value } of batch as { value: Update }[]) {
        if (value.kind === 'engagement') updates.push(value);
        if (value.kind === 'engagement-stored') stored.push(value);
      }
    },
  });
  await updatesSub.ready;
  await sink.start();
  return {
    rt, sink, updates, stored,
    async close() {
      await updatesSub.close();
      await sink.stop();
      await rt.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Events counted in live updates. */
export const liveEvents = (updates: readonly EngagementUpdate[]) =>
  updates.reduce((n, u) => n + Object.values(u.products).reduce((m, p) => m + p.delta.events, 0), 0);
