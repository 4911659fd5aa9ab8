// The latest score per product follows from the score history alone (migration 0010): the scorer
// writes only the history, and trend_scores holds each product's score of its newest bucket.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.js';
import { migrateClickHouse, openClickHouse, type ClickHouseStore } from '../../core/stores/clickhouse.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';

const H = 3_600_000;
const T0 = Date.UTC(2026, 10, 20, 0);
let dir: string;
let store: ClickHouseStore;

const row = (productId: string, hour: number, score: number, scoredAt: number) => ({
  productId, computedAt: T0 + hour * H, stepSec: 3600, score, label: 'steady', velocity: hour, acceleration: 0, momentum: 0,
  c_velocity: 0, c_acceleration: 0, c_volume: 0, c_breadth: 0, c_conversion: 0, c_saturation: 0, views24h: hour, orders24h: 0, scoredAt,
});
const write = (values: ReturnType<typeof row>[]) => store.client.insert({ table: TABLES.trendScoreHistory, values, format: 'JSONEachRow' });
const latest = async () => (await (await store.client.query({
  query: `SELECT productId, toUnixTimestamp64Milli(computedAt) AS at, score, velocity, views24h FROM ${TABLES.trendScores} FINAL ORDER BY productId`,
  format: 'JSONEachRow',
})).json<{ productId: string; at: string | number; score: number; velocity: number; views24h: string | number }>())
  .map((r) => [r.productId, (Number(r.at) - T0) / H, r.score, r.velocity, Number(r.views24h)]);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trenddrop-latest-view-'));
  store = await openClickHouse({ clickhouseUrl: '', dataDir: dir });
  await migrateClickHouse(store.client, createLogger('silent'));
});
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('latest scores from the history', () => {
  it('hold each product newest bucket; an older bucket re-scored does not replace it, the newest re-scored does', async () => {
    // A round of several instants: a has hours 3..5, b only hour 2 (rows out of order in the block).
    await write([row('a', 4, 40, 1), row('b', 2, 20, 1), row('a', 5, 50, 1), row('a', 3, 30, 1)]);
    expect(await latest()).toEqual([['a', 5, 50, 5, 5], ['b', 2, 20, 2, 2]]);

    // Late events re-score a's hour 4 (behind its newest) and b's hour 2 (its newest).
    await write([row('a', 4, 44, 2), row('b', 2, 22, 2)]);
    expect(await latest()).toEqual([['a', 5, 50, 5, 5], ['b', 2, 22, 2, 2]]);

    // The next round: a new bucket for a.
    await write([row('a', 6, 60, 3)]);
    expect(await latest()).toEqual([['a', 6, 60, 6, 6], ['b', 2, 22, 2, 2]]);
  });
});
