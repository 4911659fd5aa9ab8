// The scorer's features query against its previous definition, on a fixed data set in real chdb:
// bins summed by sumResample (one pass over each row's step index) and distinct regions and
// platforms counted by a 64-bit hash of each value give the very rows that one sumIf per bin and
// uniqExact of the strings gave, in every form the scorer runs (all products, one new hour, the
// products listed from their own instants on their own grids) and at every step.
// The scorer reads them in the compact form (names once, rows as arrays): the same rows as JSONEachRow.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Step } from '../../analytics/granularity.js';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { mulberry32 } from '../../core/random.js';
import { openRuntime, type Runtime } from '../../core/runtime.js';
import { queryRows } from '../../core/stores/clickhouse.js';
import { featuresSql } from '../../processors/scorer.js';
import { insertHourlyRollups } from '../helpers/rollups.js';

const H = 3600;
const T0 = Date.UTC(2026, 9, 1) / 1000;
const REGIONS = ['US', 'GB', 'DE', 'FR', 'BR', 'JP', 'IN', 'MX', 'CA', 'AU'];
const PLATFORMS = ['tiktok', 'instagram', 'youtube', 'amazon', 'facebook', 'google'];
let dir: string;
let rt: Runtime;

/** The definition before this one: a sumIf per bin, uniqExact of the strings. */
function previous(sql: string): string {
  const parts: [RegExp, (...m: string[]) => string][] = [
    [/sumResample\(0, (\d+), (\d+)\)\(e, k\)/, (_, window, width) =>
      `[${Array.from({ length: Number(window) / Number(width) }, (_, j) => `sumIf(e, k >= ${j * Number(width)} AND k < ${(j + 1) * Number(width)})`).join(', ')}]`],
    [/uniqExact\(cityHash64\((region|platform)\)\) AS regions/, (_, c) => `uniqExact(${c}) AS regions`],
    [/uniqExact\(cityHash64\((region|platform)\)\) AS platforms/, (_, c) => `uniqExact(${c}) AS platforms`],
  ];
  // Each part is found: the comparison is never of a query with itself.
  for (const [re] of parts) expect(sql).toMatch(re);
  return parts.reduce((q, [re, f]) => q.replace(re, f), sql);
}

async function rows(sql: string, params: Record<string, unknown>) {
  const rs = await rt.clickhouse.client.query({ query: `SELECT * FROM (${sql}) ORDER BY productId, T`, query_params: params, format: 'JSONEachRow' });
  return rs.json<Record<string, unknown>>();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trenddrop-scorer-features-'));
  rt = await openRuntime(loadConfig({ TRENDDROP_DATA_DIR: dir, TRENDDROP_SIMULATOR: 'off' }), { logger: createLogger('silent') });
  const rand = mulberry32(11);
  const values: unknown[][] = [];
  const row = (productId: string, at: number) => {
    // 1–4 region × platform rows per bucket, some of them repeats of the same pair.
    for (let j = 0, n = 1 + Math.floor(rand() * 4); j < n; j++) {
      const views = Math.floor(rand() * 5000);
      values.push([productId, at, REGIONS[Math.floor(rand() * REGIONS.length)], PLATFORMS[Math.floor(rand() * PLATFORMS.length)],
        views, views, Math.floor(views / 20), Math.floor(views / 200), Math.floor(views / 100), Math.floor(rand() * 30), 0, Math.floor(rand() * 100)]);
    }
  };
  // Live products over twelve days, with gaps (quiet hours, a late start, an early end).
  for (let i = 0; i < 40; i++) {
    for (let h = 0; h < 12 * 24; h++) if (rand() > 0.15 && !(i % 7 === 3 && h < 200) && !(i % 9 === 4 && h > 150)) row(`live-${i}`, T0 + h * H);
  }
  // Imports: daily for a year, weekly (Sundays) for three years, monthly for four.
  for (let i = 0; i < 8; i++) for (let d = 0; d < 365; d++) if (rand() > 0.05) row(`day-${i}`, T0 - 365 * 24 * H + d * 24 * H);
  for (let i = 0; i < 8; i++) for (let w = 0; w < 156; w++) row(`week-${i}`, Date.UTC(2023, 9, 1) / 1000 + w * 7 * 24 * H);
  for (let i = 0; i < 8; i++) for (let m = 0; m < 48; m++) row(`month-${i}`, Date.UTC(2022, 9 + m, 1) / 1000);
  await insertHourlyRollups(rt.clickhouse.client, values);
});

afterAll(async () => {
  await rt?.close();
  rmSync(dir, { recursive: true, force: true });
});

const coarse = (step: Step) => Array.from({ length: 8 }, (_, i) => `${step}-${i}`);
const MAX = Number.MAX_SAFE_INTEGER;

describe('scorer features query', () => {
  it('all products at a run of instants, and one new hour, give the rows of the previous definition', async () => {
    const exclude = [...coarse('day'), ...coarse('week'), ...coarse('month')];
    const cases = [
      { sql: featuresSql('hour', false), params: { lo: T0 + 150 * H, hi: T0 + 173 * H, exclude }, bins: 7 },
      { sql: featuresSql('hour', false, true), params: { lo: T0 + 200 * H, hi: T0 + 200 * H, exclude }, bins: 7 },
      // Early on, before a window's worth of data.
      { sql: featuresSql('hour', false, true), params: { lo: T0 + 30 * H, hi: T0 + 30 * H, exclude: [] }, bins: 2 },
    ];
    for (const { sql, params, bins } of cases) {
      const got = await rows(sql, params);
      expect(got).toEqual(await rows(previous(sql), params));
      // Live products with data in the window, at bins spread over it, across regions and platforms.
      expect(got.length).toBeGreaterThan(30);
      expect(got.some((r) => (r.bins as number[]).filter(Number).length === bins && Number(r.regions) > 5 && Number(r.platforms) > 4)).toBe(true);
    }
  });

  it('read in the compact form, with the names once, gives the rows of JSONEachRow', async () => {
    const params = { lo: T0 + 150 * H, hi: T0 + 173 * H, exclude: [] };
    const sql = `SELECT * FROM (${featuresSql('hour', false)}) ORDER BY productId, T`;
    const json = await (await rt.clickhouse.client.query({ query: sql, query_params: params, format: 'JSONEachRow' })).json<Record<string, unknown>>();
    expect(json.length).toBeGreaterThan(30);
    expect(await queryRows(rt.clickhouse.client, sql, params)).toEqual(json);
    // No rows: none, not a row of names.
    expect(await queryRows(rt.clickhouse.client, `${sql} LIMIT 0`, params)).toEqual([]);
  });

  it('products listed from their own instants, on their own grids, at every step, give the rows of the previous definition', async () => {
    const ids = { hour: ['live-1', 'live-2', 'live-4', 'live-5'], day: coarse('day'), week: coarse('week'), month: coarse('month') };
    const spans = { hour: [T0 + 100 * H, T0 + 123 * H], day: [T0 - 300 * 24 * H, T0 - 276 * 24 * H], week: [Date.UTC(2024, 0, 1) / 1000, Date.UTC(2024, 6, 1) / 1000], month: [Date.UTC(2023, 0, 1) / 1000, Date.UTC(2025, 0, 1) / 1000] };
    for (const step of ['hour', 'day', 'week', 'month'] as const) {
      const [lo, hi] = spans[step];
      const list = ids[step];
      // Each product from its own instant; some end early; weekly series keep their Sunday.
      const params = {
        lo, hi, ids: list, froms: list.map((_, i) => lo + i * 3 * H), ends: list.map((_, i) => (i % 3 === 1 ? lo + (hi - lo) / 2 : MAX)),
        anchors: list.map(() => (step === 'week' ? (Date.UTC(2023, 9, 1) / 1000) % (7 * 24 * H) : 0)),
      };
      const sql = featuresSql(step, true);
      const got = await rows(sql, params);
      expect(got).toEqual(await rows(previous(sql), params));
      expect(new Set(got.map((r) => r.productId)).size).toBe(list.length);
      expect(got.some((r) => (r.bins as number[]).filter(Number).length > 1)).toBe(true);
    }
  });
});
