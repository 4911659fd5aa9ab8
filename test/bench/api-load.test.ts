// The API and soak phases load their history with bulk settings (BULK_INSERT: no merge of each
// block on insert). What they store must be what production's inserts store: the same raw rows,
// and through the materialized views the same rows in every rollup and in the latest scores.
// The same chunk is loaded both ways into one store, emptied in between, and every row compared.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BULK_INSERT, insertBenchEvents, insertScoreHistory } from '../../bench/api.js';
import { createLogger } from '../../core/logger.js';
import { migrateClickHouse, openClickHouse, type ClickHouseStore } from '../../core/stores/clickhouse.js';
import { ROLLUP_LEVELS } from '../../processors/rollup-repair.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';

const TABLES_WRITTEN = [TABLES.events, ...ROLLUP_LEVELS.map((l) => l.table), TABLES.trendScoreHistory, TABLES.trendScores];
const END = Date.UTC(2026, 10, 20, 12, 0, 0);

let dir: string;
let store: ClickHouseStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trenddrop-bench-load-'));
  store = await openClickHouse({ clickhouseUrl: null, dataDir: dir });
  await migrateClickHouse(store.client, createLogger('silent'));
});

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Loads the same history with `settings`, then reads back every row of every table it writes (empty before). */
async function loadWith(settings: string): Promise<Record<string, unknown[]>> {
  const ch = store.client;
  for (const t of TABLES_WRITTEN) await ch.command({ query: `TRUNCATE TABLE ${t}` });
  // Two chunks, so that the same rollup keys arrive in separate inserts as they do over a load.
  await insertBenchEvents(ch, { end: END, products: 300, offset: 0, n: 20_000 }, settings);
  await insertBenchEvents(ch, { end: END, products: 300, offset: 20_000, n: 20_000 }, settings);
  await insertScoreHistory(ch, { last: END - 3 * 3_600_000, products: 300 }, settings);
  const out: Record<string, unknown[]> = {};
  for (const t of TABLES_WRITTEN) {
    // Rows as stored, whatever merges have run since: a Summing- or ReplacingMergeTree read FINAL
    // (a merge only folds a key's rows into one); the raw events table has no merge to fold.
    const final = t === TABLES.events ? '' : 'FINAL';
    const rs = await ch.query({ query: `SELECT * FROM ${t} ${final} ORDER BY ALL`, format: 'JSONEachRow' });
    out[t] = await rs.json();
  }
  return out;
}

describe('bench history load', () => {
  it('stores with BULK_INSERT exactly what the engine defaults store', { timeout: 300_000 }, async () => {
    const production = await loadWith('');
    const bulk = await loadWith(BULK_INSERT);
    expect(production[TABLES.events]).toHaveLength(40_000);
    for (const l of ROLLUP_LEVELS) expect(production[l.table].length).toBeGreaterThan(1000);
    expect(production[TABLES.trendScores]).toHaveLength(300);
    for (const t of TABLES_WRITTEN) expect({ table: t, rows: bulk[t] }).toEqual({ table: t, rows: production[t] });
  });
});
