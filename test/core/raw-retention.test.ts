// TRENDDROP_RAW_RETENTION_DAYS: raw events leave the events table that many days after they were
// stored; the rollups keep every count; unset again, the TTL goes.
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { openRuntime, type Runtime } from '../../core/runtime.js';
import { encodeEvents, insertEvents } from '../../processors/event-rows.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import type { EngagementEvent } from '../../schemas/events.js';
import { normalizeEvent } from '../../schemas/validate.js';
import { makeEvents, tempDir } from '../helpers/app.js';

const dir = tempDir('retention');
let rt: Runtime | undefined;
afterEach(async () => { await rt?.close(); rt = undefined; });

const open = async (env: Record<string, string>) => (rt = await openRuntime(loadConfig({ TRENDDROP_DATA_DIR: dir, ...env }), { logger: createLogger('silent') }));
const one = async (sql: string) => (await (await rt!.clickhouse.client.query({ query: sql, format: 'JSONEachRow' })).json<Record<string, string>>())[0];

describe('raw events retention', () => {
  it('deletes raw rows stored longer ago than the retention, and never a rollup count', async () => {
    await open({ TRENDDROP_RAW_RETENTION_DAYS: '30' });
    expect((await one(`SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = 'events'`)).engine_full).toMatch(/TTL toDateTime\(ingestedAt\) \+ toIntervalDay\(30\)/);
    const now = Date.now();
    const old = makeEvents('p-old', 40, Date.UTC(2025, 0, 10)) as EngagementEvent[];
    const recent = makeEvents('p-recent', 40, now - 3_600_000) as EngagementEvent[];
    // Stored 40 days ago (an import of January 2025 history then), and just now.
    await insertEvents(rt!.clickhouse.client, encodeEvents(old.map((e) => normalizeEvent(e)), () => false, now - 40 * 86_400_000));
    await insertEvents(rt!.clickhouse.client, encodeEvents(recent.map((e) => normalizeEvent(e)), () => false, now));
    await rt!.clickhouse.client.command({ query: `OPTIMIZE TABLE ${TABLES.events} FINAL` }); // the TTL merge, now rather than in the background
    const raw = await one(`SELECT countIf(productId = 'p-old') AS old, countIf(productId = 'p-recent') AS recent FROM ${TABLES.events}`);
    expect({ old: Number(raw.old), recent: Number(raw.recent) }).toEqual({ old: 0, recent: 40 });
    const rolled = await one(`SELECT sumIf(events, productId = 'p-old') AS old, sumIf(events, productId = 'p-recent') AS recent FROM ${TABLES.engagement1d}`);
    expect({ old: Number(rolled.old), recent: Number(rolled.recent) }).toEqual({ old: 40, recent: 40 });
  });

  it('keeps raw events for ever once the variable is unset again', async () => {
    await open({});
    expect((await one(`SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = 'events'`)).engine_full).not.toMatch(/TTL/);
  });
});
