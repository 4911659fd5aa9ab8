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
  const db = await createTestDatabase();
  const store = await openPostgres({ databaseUrl: db.url, dataDir: tempDir('pg') }, createLogger('silent'));
  await store.migrate();
  return {
    store,
    async drop() {
      await store.close();
      await db.drop();
    },
  };
}

async function adminQuery(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: SERVER_URL });
  await c.connect();
  try { return await c.query(sql, params); } finally { await c.end(); }
}

export interface TestDatabase {
  url: string;
  name: string;
  /** pg_terminate_backend on every connection to this database (and no other). */
  terminateBackends(): Promise<number>;
  /** Refuses (false) or allows new connections to this database, as an unreachable server would. */
  setConnectable(allowed: boolean): Promise<void>;
  drop(): Promise<void>;
}

/** A database of its own on the Postgres server, dropped by drop(). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `trenddrop_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(), name,
    async terminateBackends() {
      const r = await adminQuery('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
      return r.rowCount ?? 0;
    },
    async setConnectable(allowed) { await adminQuery(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS ${allowed}`); },
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => undefined),
  };
}
