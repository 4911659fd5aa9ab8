// The embedded engine starts with the configured memory bounds (EngineMemory): the client's
// connections cannot pass server settings, so the store must start the engine with them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { openClickHouse, type ClickHouseStore } from '../../core/stores/clickhouse.js';

const dir = mkdtempSync(join(tmpdir(), 'trenddrop-engine-memory-'));
let store: ClickHouseStore | undefined;

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('embedded engine memory', () => {
  it('applies the configured limit and cache sizes to the engine every connection shares', async () => {
    const config = loadConfig({ TRENDDROP_DATA_DIR: dir, TRENDDROP_CHDB_MEMORY_LIMIT_MIB: '1536', TRENDDROP_CHDB_CACHE_MIB: '64' });
    store = await openClickHouse(config);
    const settings = async (ch: ClickHouseStore['client']) => {
      const rs = await ch.query({ query: "SELECT name, value FROM system.server_settings WHERE name IN ('max_server_memory_usage', 'mark_cache_size', 'primary_index_cache_size', 'index_mark_cache_size') ORDER BY name", format: 'JSONEachRow' });
      return Object.fromEntries((await rs.json<{ name: string; value: string }>()).map((r) => [r.name, Number(r.value)]));
    };
    const want = { index_mark_cache_size: 64 * 2 ** 20, mark_cache_size: 64 * 2 ** 20, max_server_memory_usage: 1536 * 2 ** 20, primary_index_cache_size: 64 * 2 ** 20 };
    for (const ch of [store.client, store.writer, store.rounds]) expect(await settings(ch)).toEqual(want);
  });
});
