// The time-series store: the official @clickhouse/client API over either the embedded chdb
// engine (data under the data dir) or a ClickHouse server, chosen by CLICKHOUSE_URL alone.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../config.js';

export type { ClickHouseClient };

export interface ClickHouseStore {
  client: ClickHouseClient;
  kind: 'chdb' | 'server';
}

/** Database used on a ClickHouse server; the embedded engine keeps its own `default`. */
export const SERVER_DATABASE = 'trenddrop';

export async function openClickHouse(config: Pick<Config, 'clickhouseUrl' | 'dataDir'>): Promise<ClickHouseStore> {
  if (config.clickhouseUrl) {
    const url = new URL(config.clickhouseUrl);
    const database = url.pathname.replace(/^\//, '') || SERVER_DATABASE;
    url.pathname = '/';
    const bootstrap = createClient({ url: url.toString(), request_timeout: 30_000 });
    try { await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` }); } finally { await bootstrap.close(); }
    return { kind: 'server', client: createClient({ url: url.toString(), database, request_timeout: 30_000, clickhouse_settings: { date_time_input_format: 'best_effort' } }) };
  }
  // chdb is loaded only when used: its native library is large and the server path never needs it.
  const { createChdbConnection } = await import('chdb/connection');
  const path = join(config.dataDir, 'clickhouse');
  mkdirSync(path, { recursive: true });
  return { kind: 'chdb', client: createClient({ connection: createChdbConnection({ path }) } as Parameters<typeof createClient>[0]) };
}
