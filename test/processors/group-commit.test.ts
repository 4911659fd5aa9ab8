// The raw sink's group commit: a batch that finds the writer idle is written at once, with the
// batches the other partitions deliver in the same turn of the event loop, and never waits on a
// timer (a timer's wait was added to every write at moderate rates).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { openRuntime, type Runtime } from '../../core/runtime.js';
import { partitionFor } from '../../core/bus/local.js';
import { EventDedup } from '../../processors/dedup.js';
import { RawSink } from '../../processors/raw-sink.js';
import { RollupRepair } from '../../processors/rollup-repair.js';
import { makeEvents } from '../helpers/app.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';

let dir: string;
let rt: Runtime;
let sink: RawSink;

const stored = async () => Number((await (await rt.clickhouse.client.query({ query: `SELECT count() AS n FROM ${TABLES.events}`, format: 'JSONEachRow' })).json<{ n: string }>())[0].n);
const writes = async () => (await rt.metrics.flushRows.get()).values.find((v) => v.metricName === 'trenddrop_sink_flush_rows_count')?.value ?? 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trenddrop-group-commit-'));
  rt = await openRuntime(loadConfig({ TRENDDROP_DATA_DIR: dir, TRENDDROP_SIMULATOR: 'off' }), { logger: createLogger('silent') });
  const ch = rt.clickhouse.client;
  sink = new RawSink({
    bus: rt.bus, topics: rt.topics, ch, dedup: new EventDedup({ ch, logger: rt.logger, capacity: 100_000 }), repair: new RollupRepair({ ch, logger: rt.logger, metrics: rt.metrics }),
    clock: rt.clock, logger: rt.logger, metrics: rt.metrics, allowedLatenessMs: 3_600_000,
  });
  await sink.start();
});
afterAll(async () => {
  vi.useRealTimers();
  await sink?.stop();
  await rt?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('raw sink group commit', () => {
  it('writes the batches of one publish, spread over every partition, as one insert without waiting on a timer', async () => {
    const events = Array.from({ length: 12 }, (_, p) => makeEvents(`p-gc-${p}`, 50, Date.now() - 3_600_000)).flat();
    const partitions = new Set(events.map((e) => partitionFor(e.productId, rt.config.partitions)));
    expect(partitions.size).toBe(rt.config.partitions); // each partition delivers a batch of its own
    const before = await writes();
    // Timers stand still from here: only a write that waits on none stores the events.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    await rt.bus.publish(rt.topics.engagement, events.map((e) => ({ key: e.productId, value: e })));
    const until = Date.now() + 30_000;
    while ((await stored()) < events.length && Date.now() < until) await new Promise(setImmediate);
    vi.useRealTimers();
    expect(await stored()).toBe(events.length);
    expect(await writes()).toBe(before + 1);
  });
});
