// A crash between the raw insert and its views' writes leaves the rollups short of the stored
// events. Here the views are detached while events are stored, as if their writes had been cut
// off; then the same events are redelivered to a running sink, which drops them as counted and
// brings every rollup level with the raw rows, without counting anything twice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
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
/** What the processors logged at warn and above. */
const logged: { msg: string }[] = [];
const logger = pino({ level: 'warn' }, new Writable({ write(chunk, _enc, done) { logged.push(JSON.parse(String(chunk))); done(); } }));

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

/** Stores events as an interrupted write would have: raw rows and the minute rollup, not the hourly (nor so the daily) or video ones. */
async function storeCutShort(evs: EngagementEvent[]): Promise<void> {
  for (const v of views) await rt.clickhouse.client.command({ query: `DETACH TABLE ${v}` });
  try {
    await insertEvents(rt.clickhouse.client, encodeEvents(evs.map((e) => normalizeEvent(e)), () => false, Date.now()));
  } finally {
    for (const v of views) await rt.clickhouse.client.command({ query: `ATTACH TABLE ${v}` });
  }
}

async function productSums(productId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const q = async (sql: string) => Number((await (await rt.clickhouse.client.query({ query: sql, query_params: { productId }, format: 'JSONEachRow' })).json<{ n: string }>())[0].n);
  out.events = await q(`SELECT count() AS n FROM ${TABLES.events} WHERE productId = {productId:String}`);
  for (const l of ROLLUP_LEVELS) out[l.table] = await q(`SELECT sum(events) AS n FROM ${l.table} WHERE productId = {productId:String}`);
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trenddrop-repair-'));
  rt = await openRuntime(loadConfig({ TRENDDROP_DATA_DIR: dir, TRENDDROP_SIMULATOR: 'off' }), { logger });
  // Store the events as an interrupted write would have: raw rows and the minute rollup
  // committed, the hourly view (so the daily one too) and the video view not.
  await storeCutShort(events as EngagementEvent[]);
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

  it('compares whole buckets: a redelivery of only the earliest events of a bucket repairs all of it, and raises no false excess', async () => {
    // 300 events in the first 50 minutes of one hour; the hourly, daily and video rollups miss them.
    const hour = Math.floor((Date.now() - 3 * 3_600_000) / 3_600_000) * 3_600_000;
    const bucketed = makeEvents('p-c', 300, hour + 60_000, 10_000).map((e, i) => ({ ...e, videoId: `p-c-v${i % 2}` })) as EngagementEvent[];
    // Stored while no processor runs, as before a crash: the restarted sink's dedup knows them.
    await processors.stop();
    await storeCutShort(bucketed);
    processors = await startProcessors(rt);
    const early = bucketed.slice(0, 20).map((e) => ({ key: e.productId, value: e }));
    await rt.bus.publish(rt.topics.engagement, early);
    const repaired = await eventually(async () => {
      const s = await productSums('p-c');
      return s.engagement_1d === 300 && s.video_engagement_1h === 300 ? s : undefined;
    }, 30_000, 'every level of p-c repaired in full');
    expect(repaired).toEqual({ events: 300, engagement_1m: 300, engagement_1h: 300, engagement_1d: 300, video_engagement_1h: 300 });

    // Whole rollups: the same early events again change nothing and report nothing.
    const duplicatesBefore = (await rt.metrics.duplicates.get()).values[0].value;
    await rt.bus.publish(rt.topics.engagement, early);
    await eventually(async () => ((await rt.metrics.duplicates.get()).values[0].value === duplicatesBefore + early.length ? true : undefined), 30_000, 'redelivery dropped');
    expect(await productSums('p-c')).toEqual(repaired);
    expect(logged.filter((l) => /holds more/.test(l.msg))).toEqual([]);
  });

  it('leaves minute buckets past their TTL alone: their hourly and daily rollups still hold them', async () => {
    const old = makeEvents('p-old', 50, Date.now() - 100 * 86_400_000, 10_000) as EngagementEvent[];
    await processors.stop();
    await insertEvents(rt.clickhouse.client, encodeEvents(old.map((e) => normalizeEvent(e)), () => false, Date.now()));
    // The minute rollup's TTL (90 days) has taken these buckets; the coarser levels keep them.
    await rt.clickhouse.client.command({ query: `ALTER TABLE ${TABLES.engagement1m} DELETE WHERE productId = 'p-old' SETTINGS mutations_sync = 2` });
    processors = await startProcessors(rt);
    const whole = await productSums('p-old');
    expect(whole).toMatchObject({ events: 50, engagement_1m: 0, engagement_1h: 50, engagement_1d: 50 });
    const duplicatesBefore = (await rt.metrics.duplicates.get()).values[0]?.value ?? 0;
    await rt.bus.publish(rt.topics.engagement, old.map((e) => ({ key: e.productId, value: e })));
    await eventually(async () => ((await rt.metrics.duplicates.get()).values[0]?.value === duplicatesBefore + old.length ? true : undefined), 30_000, 'redelivery dropped');
    expect(await productSums('p-old')).toEqual(whole); // a minute delta would have cascaded: 100 hourly, 100 daily
  });
});
