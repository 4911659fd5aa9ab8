// A product's native step read from its stored buckets in real chdb.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { openRuntime, type Runtime } from '../../core/runtime.js';
import { loadNativeStep, loadNativeSteps } from '../../processors/native-step.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';

const H = 3_600_000;
let dir: string;
let rt: Runtime;

const event = (productId: string, ts: number, k: number) => ({
  eventId: `${productId}-${ts}-${k}`, ts, productId, platform: 'google', region: 'US', videoId: '',
  views: 0, likes: 0, shares: 0, comments: 0, orders: 0, revenue: 0, searches: 10 + k, late: 0, ingestedAt: ts,
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trenddrop-native-step-'));
  rt = await openRuntime(loadConfig({ TRENDDROP_DATA_DIR: dir }), { logger: createLogger('silent') });
  const rows = [
    // A Google Trends weekly export: Sundays, five years.
    ...Array.from({ length: 260 }, (_, i) => event('weekly', Date.UTC(2021, 0, 3) + i * 7 * 24 * H, i)),
    ...Array.from({ length: 90 }, (_, i) => event('daily', Date.UTC(2026, 0, 1) + i * 24 * H, i)),
    ...Array.from({ length: 36 }, (_, i) => event('monthly', Date.UTC(2023, i, 1), i)),
    // Live engagement: several events an hour at arbitrary seconds.
    ...Array.from({ length: 500 }, (_, i) => event('live', Date.UTC(2026, 10, 20) + i * 7 * 60_000 + (i % 13) * 1000, i)),
    // A weekly import (Sundays, two years to 2026-11-01) followed by three days, or ten, of live hours.
    ...['went-live', 'live-a-while'].flatMap((id) => Array.from({ length: 104 }, (_, i) => event(id, Date.UTC(2024, 10, 10) + i * 7 * 24 * H, i))),
    ...Array.from({ length: 72 }, (_, i) => event('went-live', Date.UTC(2026, 10, 8, 1) + i * H, i)),
    ...Array.from({ length: 240 }, (_, i) => event('live-a-while', Date.UTC(2026, 10, 8, 1) + i * H, i)),
  ];
  await rt.clickhouse.client.insert({ table: TABLES.events, format: 'JSONEachRow', values: rows });
});

afterAll(async () => {
  await rt?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('loadNativeSteps', () => {
  it('reads each product\'s step from where its hourly buckets fall', async () => {
    const steps = await loadNativeSteps(rt.clickhouse.client, ['weekly', 'daily', 'monthly', 'live', 'unknown']);
    expect(Object.fromEntries([...steps].map(([id, s]) => [id, s.step]))).toEqual({ weekly: 'week', daily: 'day', monthly: 'month', live: 'hour', unknown: 'hour' });
    // The weekly grid keeps the export's Sundays.
    expect(new Date(steps.get('weekly')!.anchor).getUTCDay()).toBe(0);
  });

  it('an import followed by live hours keeps the import\'s step until the live part spans a week, then is hourly from where it starts', async () => {
    const steps = await loadNativeSteps(rt.clickhouse.client, ['went-live', 'live-a-while', 'weekly', 'live']);
    expect(steps.get('went-live')).toMatchObject({ step: 'week', last: Date.UTC(2026, 10, 11, 0) });
    expect(new Date(steps.get('went-live')!.anchor).getUTCDay()).toBe(0);
    expect(steps.get('live-a-while')).toMatchObject({ step: 'hour', liveFrom: Date.UTC(2026, 10, 8, 1), last: Date.UTC(2026, 10, 18, 0) });
    expect(steps.get('weekly')!.liveFrom).toBeUndefined();
    expect(steps.get('live')!.liveFrom).toBeUndefined();
  });

  it('gives the event loop turns while it classifies thousands of live products of 256 hours each', async () => {
    // At 100k products the scorer's first classification held the main thread 1-4.8 s per 10k products.
    const N = 3_000, HOURS = 256;
    await rt.clickhouse.client.command({
      query: `INSERT INTO ${TABLES.engagement1h} (productId, bucket, region, platform, events, views, likes, shares, comments, orders, revenue, searches)
        SELECT concat('many-', toString(number % ${N})), toDateTime('2026-06-01 00:00:00', 'UTC') + intDiv(number, ${N}) * 3600, 'US', 'tiktok', 1, 1, 0, 0, 0, 0, 0, 0
        FROM numbers(${N * HOURS})`,
    });
    const ids = Array.from({ length: N }, (_, i) => `many-${i}`);
    let last = performance.now(), longest = 0, stop = false;
    const beside = () => { const now = performance.now(); longest = Math.max(longest, now - last); last = now; if (!stop) setImmediate(beside); };
    setImmediate(beside);
    const t0 = performance.now();
    const steps = await loadNativeSteps(rt.clickhouse.client, ids);
    const took = performance.now() - t0;
    // A block that ran to the call's end shows only here: the task beside has not run since.
    longest = Math.max(longest, performance.now() - last);
    stop = true;
    expect(ids.every((id) => steps.get(id)?.step === 'hour' && steps.get(id)?.last === Date.UTC(2026, 5, 1) + (HOURS - 1) * H)).toBe(true);
    // Without turns, the parse and the classification were one block: most of the call.
    expect(longest).toBeLessThan(took / 2);
  }, 60_000);

  it('one product, and an empty list', async () => {
    expect((await loadNativeStep(rt.clickhouse.client, 'daily')).step).toBe('day');
    expect((await loadNativeSteps(rt.clickhouse.client, [])).size).toBe(0);
  });
});
