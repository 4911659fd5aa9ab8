// A crash between the raw insert and its views' writes leaves the rollups short of the stored
// events. Here the views are detached while events are stored, as if their writes had been cut
// off; then the same events are redelivered to a running sink, which drops them as counted and
// brings every rollup level with the raw rows, without counting anything twice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { openRuntime, type Runtime } from '../../core/runtime.js';
import { encodeEvents, insertEvents } from '../../processors/event-rows.js';
import { startProcessors, type Processors } from '../../processors/index.js';
import { ROLLUP_LEVELS } from '../../processors/rollup-repair.js';
import type { EngagementEvent } from '../../schemas/events.js';
import { normalizeEvent } from '../../schemas/validate.js';
import { eventually, makeEvents } from '../helpers/app.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';

let dir: string;
let rt: Runtime;
let processors: Processors;

const T = Date.now() - 5 * 3_600_000;
// Two products over three hours, on videos and off, across regions and platforms.
const events = ['p-a', 'p-b'].flatMap((p) => makeEvents(p, 900, T, 12_000).map((e, i) => ({ ...e, videoId: i % 4 ? `${p}-v${i % 3}` : '' })));

async function sums(): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  const q = async (sql: string) => (await (await rt.clickhouse.client.query({ query: sql, format: 'JSONEachRow' })).json<Record<string, string>>())[0];
  const cols = (count: string) => `${count} AS events, sum(views) AS views, sum(orders) AS orders, round(sum(revenue), 6) AS revenue`;
  const raw = await q(`SELECT ${cols('count()')} FROM ${TABLES.events}`);
  const rawVideo = await q(`SELECT ${cols('count()')} FROM ${TABLES.events} WHERE videoId != ''`);
  out.events = Object.values(raw).map(Number);
  out.eventsOnVideo = Object.values(rawVideo).map(Number);
  for (const l of ROLLUP_LEVELS) out[l.table] = Object.values(await q(`SELECT ${cols('sum(events)')} FROM ${l.table}`)).map(Number);
  return out;
}

const views = ['engagement_1h_mv', 'video_engagement_1h_mv'];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trenddrop-repair-'));
  rt = await openRuntime(loadConfig({ TRENDDROP_DATA_DIR: dir, TRENDDROP_SIMULATOR: 'off' }), { logger: createLogger('silent') });
  // Store the events as an interrupted write would have: raw rows and the minute rollup
  // committed, the hourly view (so the daily one too) and the video view not.
  for (const v of views) await rt.clickhouse.client.command({ query: `DETACH TABLE ${v}` });
  await insertEvents(rt.clickhouse.client, encodeEvents(events.map((e) => normalizeEvent(e as EngagementEvent)), () => false, Date.now()));
  for (const v of views) await rt.clickhouse.client.command({ query: `ATTACH TABLE ${v}` });
  processors = await startProcessors(rt);
});

afterAll(async () => {
  await processors?.stop();
  await rt?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('rollup repair', () => {
  it('starts from rollups short of the raw rows', async () => {
    const s = await sums();
    expect(s.engagement_1m).toEqual(s.events);
    expect(s.engagement_1h).toEqual([0, 0, 0, 0]);
    expect(s.engagement_1d).toEqual([0, 0, 0, 0]);
    expect(s.video_engagement_1h).toEqual([0, 0, 0, 0]);
  });

  it('brings every level level with the raw rows when the stored events are redelivered', async () => {
    await rt.bus.publish(rt.topics.engagement, events.map((e) => ({ key: e.productId, value: e })));
    const s = await eventually(async () => {
      const s = await sums();
      return s.engagement_1d[0] === s.events[0] && s.video_engagement_1h[0] === s.eventsOnVideo[0] ? s : undefined;
    }, 30_000, 'repaired rollups');
    expect(s.events[0]).toBe(events.length); // nothing stored twice
    for (const table of ['engagement_1m', 'engagement_1h', 'engagement_1d']) expect(s[table], table).toEqual(s.events);
    expect(s.video_engagement_1h).toEqual(s.eventsOnVideo);
    const repaired = await rt.metrics.rollupRepairs.get();
    expect(repaired.values.find((v) => v.labels.table === 'engagement_1m')).toBeUndefined(); // it was whole
    expect(repaired.values.find((v) => v.labels.table === 'engagement_1h')?.value).toBeGreaterThan(0);
  });

  it('writes nothing for a redelivery of events whose rollups are whole', async () => {
    const before = await sums();
    const repairedBefore = (await rt.metrics.rollupRepairs.get()).values.reduce((a, v) => a + v.value, 0);
    const duplicatesBefore = (await rt.metrics.duplicates.get()).values[0]?.value ?? 0;
    await rt.bus.publish(rt.topics.engagement, events.map((e) => ({ key: e.productId, value: e })));
    await eventually(async () => ((await rt.metrics.duplicates.get()).values[0].value === duplicatesBefore + events.length ? true : undefined), 30_000, 'redelivery dropped');
    expect(await sums()).toEqual(before);
    expect((await rt.metrics.rollupRepairs.get()).values.reduce((a, v) => a + v.value, 0)).toBe(repairedBefore);
  });
});
