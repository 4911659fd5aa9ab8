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

  it('one product, and an empty list', async () => {
    expect((await loadNativeStep(rt.clickhouse.client, 'daily')).step).toBe('day');
    expect((await loadNativeSteps(rt.clickhouse.client, [])).size).toBe(0);
  });
});
