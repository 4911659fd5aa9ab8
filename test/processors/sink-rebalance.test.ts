// Two sinks in one consumer group on one ClickHouse, each with its own dedup filter: when the
// second joins, partitions move, and each sink tops its filter up from ClickHouse before its next
// batch, so events the other stored are known to it. Every event is counted once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { openRuntime, type Runtime } from '../../core/runtime.js';
import { EventDedup } from '../../processors/dedup.js';
import { RawSink } from '../../processors/raw-sink.js';
import { RollupRepair } from '../../processors/rollup-repair.js';
import { counterValue, drained, eventually, makeEvents } from '../helpers/app.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';

let dir: string;
let rt: Runtime;
const sinks: RawSink[] = [];

function sink() {
  const ch = rt.clickhouse.client;
  const dedup = new EventDedup({ ch, logger: rt.logger, capacity: 100_000 });
  const s = new RawSink({
    bus: rt.bus, topics: rt.topics, ch, dedup, repair: new RollupRepair({ ch, logger: rt.logger, metrics: rt.metrics }),
    clock: rt.clock, logger: rt.logger, metrics: rt.metrics, allowedLatenessMs: 3_600_000,
  });
  sinks.push(s);
  return { s, dedup, refresh: vi.spyOn(dedup, 'refresh') };
}

const stored = async () => Number((await (await rt.clickhouse.client.query({ query: `SELECT count() AS n FROM ${TABLES.events}`, format: 'JSONEachRow' })).json<{ n: string }>())[0].n);
const publish = (events: ReturnType<typeof makeEvents>) => rt.bus.publish(rt.topics.engagement, events.map((e) => ({ key: e.productId, value: e })));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trenddrop-rebalance-'));
  rt = await openRuntime(loadConfig({ TRENDDROP_DATA_DIR: dir, TRENDDROP_SIMULATOR: 'off' }), { logger: createLogger('silent') });
});
afterAll(async () => {
  for (const s of sinks) await s.stop();
  await rt?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('sinks sharing a group', () => {
  it('refresh their dedup filters when partitions move, before the next batch, and count each event once', async () => {
    const a = sink();
    const b = sink();
    // b's filter is loaded before a stores anything: only a refresh can tell it what a stored.
    await Promise.all([a.dedup.load(), b.dedup.load()]);
    await a.s.start();
    const first = Array.from({ length: 8 }, (_, p) => makeEvents(`p-rb-${p}`, 200, Date.now() - 3_600_000)).flat();
    await publish(first);
    await eventually(async () => ((await stored()) === first.length ? true : undefined), 20_000, 'first batch stored');
    const refreshesOfA = a.refresh.mock.calls.length;

    await b.s.start();
    // The same events again (a client resending) and new ones: both sinks now own partitions.
    const second = Array.from({ length: 8 }, (_, p) => makeEvents(`p-rb-${p}`, 200, Date.now() - 1_800_000).map((e) => ({ ...e, eventId: `again-${e.eventId}` }))).flat();
    await publish([...first, ...second]);
    // Both sinks have handled everything published (the group's lag is 0) before counting.
    await drained(rt);
    expect(await counterValue(rt.metrics.duplicates)).toBe(first.length);
    expect(await stored()).toBe(first.length + second.length);
    expect(refreshesOfA).toBeGreaterThanOrEqual(1); // its first assignment
    expect(b.refresh).toHaveBeenCalled();
    expect(a.refresh.mock.calls.length).toBeGreaterThan(refreshesOfA); // told of the new split too
  });
});
