// Metadata tests run on both Postgres backends: embedded PGlite, and the Postgres server at
// TRENDDROP_TEST_DATABASE_URL (default postgres@127.0.0.1:5432/test, as on the CI machine), each test
// file in a database of its own that is dropped afterwards.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { openPostgres, type PostgresStore } from '../../core/stores/postgres.js';
import { createLogger } from '../../core/logger.js';
import { tempDir } from './app.js';

export const SERVER_URL = process.env.TRENDDROP_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function serverAvailable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: SERVER_URL, connectionTimeoutMillis: 2000 });
  try { await c.connect(); await c.end(); return true; } catch { return false; }
}

export interface TestPostgres { store: PostgresStore; drop(): Promise<void> }

/** A migrated, empty metadata store of the given kind. */
export async function openTestPostgres(kind: 'pglite' | 'server'): Promise<TestPostgres> {
  if (kind === 'pglite') {
    const store = await openPostgres({ databaseUrl: null, dataDir: tempDir('pglite') }, createLogger('silent'));
    await store.migrate();
    return { store, drop: () => store.close() };
  }
  const name = `trenddrop_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  const store = await openPostgres({ databaseUrl: url.toString(), dataDir: tempDir('pg') }, createLogger('silent'));
  await store.migrate();
  return {
    store,
    async drop() {
      await store.close();
      const a = new pg.Client({ connectionString: SERVER_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
