// ClickHouse migrations on a data dir: all apply once on a fresh one, none again on a second
// run, and one missing from the record (two files share version 6) is applied by its name.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.js';
import { migrateClickHouse, openClickHouse, type ClickHouseStore } from '../../core/stores/clickhouse.js';
import { clickhouseMigrations } from '../../schemas/clickhouse/migrations.js';

let dir: string;
let store: ClickHouseStore;
const logger = createLogger('silent');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trenddrop-ch-migrations-'));
  store = await openClickHouse({ clickhouseUrl: '', dataDir: dir });
});
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('applies every migration once, and one left out of the record even when another shares its version', async () => {
  const all = clickhouseMigrations();
  expect(await migrateClickHouse(store.client, logger)).toBe(all.length);
  expect(await migrateClickHouse(store.client, logger)).toBe(0);
  const sixes = all.filter((m) => m.version === 6).map((m) => m.name);
  expect(sixes).toHaveLength(2);
  // A data dir from between the two version-6 files: only the first recorded.
  await store.client.command({ query: 'DELETE FROM schema_migrations WHERE name = {n:String}', query_params: { n: sixes[1] } });
  expect(await migrateClickHouse(store.client, logger)).toBe(1);
  const rs = await store.client.query({ query: 'SELECT name FROM schema_migrations ORDER BY name', format: 'JSONEachRow' });
  expect((await rs.json<{ name: string }>()).map((r) => r.name)).toEqual(all.map((m) => m.name).sort());
});
