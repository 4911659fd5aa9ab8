// Every insert that feeds the rollups skips the engine's merge of each block before it is
// written (ROLLUP_INSERT_SETTINGS), on the ground that no such block holds a key twice. Here the
// raw sink stores the same live, late, redelivered and cut-short events once with the engine's
// defaults and once with those settings, merges stopped so that every part stays as its insert
// wrote it, and every row of every table is compared: a block whose key repeated would be stored
// folded one way and not the other.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseSettings } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { openRuntime, type Runtime } from '../../core/runtime.js';
import { insertBody } from '../../core/stores/clickhouse.js';
import { EventDedup } from '../../processors/dedup.js';
import { encodeEvents, insertEvents, ROLLUP_INSERT_SETTINGS } from '../../processors/event-rows.js';
import { RawSink } from '../../processors/raw-sink.js';
import { ROLLUP_LEVELS, RollupRepair } from '../../processors/rollup-repair.js';
import type { EngagementEvent } from '../../schemas/events.js';
import { normalizeEvent } from '../../schemas/validate.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { eventually, makeEvents } from '../helpers/app.js';

const TABLES_WRITTEN = [TABLES.events, ...ROLLUP_LEVELS.map((l) => l.table)];
const ALLOWED_LATENESS_MS = 3_600_000;

let dir: string;
let rt: Runtime;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trenddrop-insert-settings-'));
  // One partition: each publish reaches the sink as one batch, so both runs write the same blocks.
  rt = await openRuntime(loadConfig({ TRENDDROP_DATA_DIR: dir, TRENDDROP_SIMULATOR: 'off', TRENDDROP_PARTITIONS: '1' }), { logger: createLogger('silent') });
  await rt.clickhouse.client.command({ query: 'SYSTEM STOP MERGES' });
});

afterAll(async () => {
  await rt?.close();
  rmSync(dir, { recursive: true, force: true });
});

const T = Date.now() - 30 * 60_000;
/** Events of a product from `start`, every `stepMs`, some on videos; ids carry the run's tag. */
const events = (run: string, product: string, n: number, start: number, stepMs: number): EngagementEvent[] =>
  makeEvents(product, n, start, stepMs).map((e, i) => ({ ...e, eventId: `${run}-${e.eventId}-${start}`, videoId: i % 3 ? `${product}-v${i % 2}` : '' }) as EngagementEvent);

const count = async (sql: string) => Number((await (await rt.clickhouse.client.query({ query: sql, format: 'JSONEachRow' })).json<{ n: string }>())[0].n);
const stored = () => count(`SELECT count() AS n FROM ${TABLES.events}`);

/** Runs the scenario through a sink whose inserts (and repairs) carry `settings`; every row of every table, as stored. */
async function storeWith(run: string, settings: ClickHouseSettings | undefined): Promise<Record<string, unknown[]>> {
  const ch = rt.clickhouse.writer;
  for (const t of TABLES_WRITTEN) await rt.clickhouse.client.command({ query: `TRUNCATE TABLE ${t}` });
  // A write cut short before the sink starts (its filter then loads the ids, as a crashed sink's
  // successor does): raw rows and the minute rollup stored, the hourly (so the daily) and video
  // views not. Redelivered at the end, the repair writes what the rollups lack.
  const cut = events(run, 'p-f', 50, T - 90 * 60_000, 60_000);
  const views = ['engagement_1h_mv', 'video_engagement_1h_mv'];
  for (const v of views) await rt.clickhouse.client.command({ query: `DETACH TABLE ${v}` });
  try {
    await insertEvents(rt.clickhouse.client, encodeEvents(cut.map(normalizeEvent), () => false, Date.now()), settings);
  } finally {
    // A view just detached may still be held by the query that used it last: retried until free.
    for (const v of views) await eventually(() => rt.clickhouse.client.command({ query: `ATTACH TABLE ${v}` }).then(() => true), 30_000, `${v} attached`);
  }
  const dedup = new EventDedup({ ch, logger: rt.logger, capacity: 100_000 });
  await dedup.load();
  const sink = new RawSink({
    bus: rt.bus, topics: rt.topics, ch, dedup, repair: new RollupRepair({ ch, logger: rt.logger, metrics: rt.metrics, settings }),
    clock: rt.clock, logger: rt.logger, metrics: rt.metrics, allowedLatenessMs: ALLOWED_LATENESS_MS, insertSettings: settings,
  });
  await sink.start();
  const publish = (evs: EngagementEvent[]) => rt.bus.publish(rt.topics.engagement, evs.map((e) => ({ key: e.productId, value: e })));
  const until = (n: number) => eventually(async () => ((await stored()) >= n ? true : undefined), 30_000, `${n} events stored`);
  try {
    // Live: many events per minute, product, region and platform.
    const live = ['p-a', 'p-b', 'p-c'].flatMap((p) => events(run, p, 120, T, 5_000));
    await publish(live);
    await until(410);
    // Late ones (behind the watermark by more than the allowed lateness) beside live ones.
    const late = ['p-a', 'p-d'].flatMap((p) => events(run, p, 40, T - 3 * ALLOWED_LATENESS_MS, 30_000));
    const more = events(run, 'p-a', 60, T + 10 * 60_000, 2_000);
    await publish([...late, ...more]);
    await until(550);
    // Redelivered duplicates with a few new events: only the new ones are stored.
    await publish([...live.slice(0, 100), ...late.slice(0, 20), ...events(run, 'p-e', 10, T, 1_000)]);
    await until(560);
    // The cut-short write redelivered, with a few new events.
    await publish([...cut, ...events(run, 'p-g', 5, T, 1_000)]);
    await until(565);
    await eventually(async () => ((await count(`SELECT sum(events) AS n FROM ${TABLES.engagement1d}`)) === 565 ? true : undefined), 30_000, 'the repaired rollups');
  } finally {
    await sink.stop();
  }
  const out: Record<string, unknown[]> = {};
  for (const t of TABLES_WRITTEN) {
    // Every row of every part (merges are stopped), less the insert's wall-clock stamp and the run's ids.
    const columns = t === TABLES.events ? `* EXCEPT (ingestedAt, eventId), replaceOne(eventId, '${run}-', '') AS id` : '*';
    const rs = await rt.clickhouse.client.query({ query: `SELECT ${columns} FROM ${t} ORDER BY ALL`, format: 'JSONEachRow' });
    out[t] = await rs.json();
  }
  return out;
}

describe('rollup insert settings', () => {
  it('reach the engine with the insert: a block holding a key twice is stored unfolded', async () => {
    const row = `p-x\t${Math.floor(T / 60_000) * 60}\tUS\ttiktok\t1\t2\t0\t0\t0\t0\t0\t0\n`;
    const rowsAfter = async (settings: ClickHouseSettings) => {
      await rt.clickhouse.client.command({ query: `TRUNCATE TABLE ${TABLES.engagement1m}` });
      await insertBody(rt.clickhouse.writer, { table: TABLES.engagement1m, columns: ['productId', 'bucket', 'region', 'platform', 'events', 'views', 'likes', 'shares', 'comments', 'orders', 'revenue', 'searches'], format: 'TabSeparated', body: Buffer.from(row + row), settings });
      return count(`SELECT count() AS n FROM ${TABLES.engagement1m}`);
    };
    expect(await rowsAfter({ optimize_on_insert: 1 })).toBe(1);
    expect(await rowsAfter(ROLLUP_INSERT_SETTINGS)).toBe(2);
  });

  it('store through the sink exactly what the engine defaults store', { timeout: 240_000 }, async () => {
    const defaults = await storeWith('a', {});
    const rollup = await storeWith('b', undefined);
    expect(defaults[TABLES.events]).toHaveLength(565);
    expect(defaults[TABLES.events].filter((r) => (r as { late: number }).late === 1)).toHaveLength(80);
    for (const t of TABLES_WRITTEN) expect({ table: t, rows: rollup[t] }).toEqual({ table: t, rows: defaults[t] });
  });
});
