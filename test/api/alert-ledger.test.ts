// The alert ledger over known data: base moments, hits, lift and lead times computed by hand.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { openRuntime, type Runtime } from '../../core/runtime.js';
import { getAlertLedger } from '../../api/queries/get-alert-ledger.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { alerts, products } from '../../schemas/postgres/schema.js';

const DAY = 86_400_000;
const D0 = Date.UTC(2026, 10, 1); // a Sunday
let dir: string;
let rt: Runtime;

/** One event per product and day with these views (engagement = views). */
async function days(productId: string, views: number[]) {
  await rt.clickhouse.client.insert({
    table: TABLES.events, format: 'JSONEachRow',
    values: views.map((v, d) => ({ eventId: `${productId}-${d}`, ts: D0 + d * DAY + 3_600_000, productId, platform: 'tiktok', region: 'US', videoId: '', views: v, likes: 0, shares: 0, comments: 0, orders: 0, revenue: 0, searches: 0, late: 0, ingestedAt: 0 })),
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trenddrop-ledger-'));
  rt = await openRuntime(loadConfig({ TRENDDROP_DATA_DIR: dir }), { logger: createLogger('silent') });
  // p-up grows 50% a day; p-flat is flat; p-alert jumps on day 3 and its alert is a hit.
  await days('p-up', [100, 150, 225, 338, 506]);
  await days('p-flat', [100, 100, 100, 100, 100]);
  await days('p-alert', [100, 100, 100, 300, 300]);
  // Product metadata lives in Postgres and is mirrored to ClickHouse, as the metadata processor does.
  await rt.postgres.db.insert(products).values([{ productId: 'p-alert', title: 'Alert', category: 'Home' }]);
  await rt.clickhouse.client.insert({ table: TABLES.products, format: 'JSONEachRow', values: [{ productId: 'p-alert', title: 'Alert', category: 'Home', brand: '', price: null, currency: '', imageUrl: '', source: 'test', tags: [], updatedAt: 1 }] });
  await rt.postgres.db.insert(alerts).values([
    { productId: 'p-alert', kind: 'spike', severity: 'warning', message: 'm', value: 0.1, dedupKey: 'a1', at: new Date(D0 + 2 * DAY + 20 * 3_600_000), stepSec: 3600, outcome: 'hit', leadTimeSec: 7200 },
    { productId: 'p-flat', kind: 'shift', severity: 'warning', message: 'm', value: 0.1, dedupKey: 'a2', at: new Date(D0 + 1 * DAY + 12 * 3_600_000), stepSec: 3600, outcome: 'miss', leadTimeSec: 0 },
    { productId: 'p-flat', kind: 'shift', severity: 'warning', message: 'm', value: 0.1, dedupKey: 'a3', at: new Date(D0 + 4 * DAY), stepSec: 3600 },
  ]);
});

afterAll(async () => {
  await rt?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('alert ledger', () => {
  it('reports hit rate, base rate from product-days without an alert, lift and median lead time', async () => {
    const l = await getAlertLedger(rt.clickhouse.client, rt.postgres.db, { from: D0, to: D0 + 5 * DAY, period: 'week' });
    // Moments are the starts of days 1–4 (day d against day d − 1). p-up: 4 moments, all hits.
    // p-flat: its alerts fall in days 1 and 4, leaving out moments 1, 2 and 4: 1 moment, a miss.
    // p-alert: its alert falls in day 2, leaving out moments 2 and 3: moments 1 and 4, misses.
    expect(l.overall).toMatchObject({ alerts: 3, judged: 2, pending: 1, hits: 1, falseAlarms: 1, hitRate: 0.5, baseMoments: 7, medianLeadTimeSec: 3600 });
    expect(l.overall.baseRate).toBeCloseTo(4 / 7, 12);
    expect(l.overall.lift).toBeCloseTo(0.5 / (4 / 7), 12);
    expect(l.periods.map((p) => p.key)).toEqual([new Date(D0).toISOString()]);
    expect(l.categories.find((c) => c.key === 'Home')).toMatchObject({ alerts: 1, hits: 1, baseMoments: 2, baseRate: 0 });
    expect(l.method.baseRate).toMatch(/product-day/);
  });
});
