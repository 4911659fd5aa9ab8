// The metadata store: drizzle over embedded PGlite (data under the data dir) or a Postgres
// server (DATABASE_URL). Both are migrated from the same drizzle-kit migrations.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from '../../schemas/postgres/schema.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { isFreshDataDir, templatePath, unpackTemplate, writeTemplate } from './pglite-template.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export interface PostgresStore {
  db: Db;
  kind: 'pglite' | 'server';
  close(): Promise<void>;
  migrate(): Promise<void>;
  /** Resolves when the database answers a query right now, for readiness probes. */
  ping(): Promise<void>;
}

/**
 * Rows or ids per statement. Postgres takes at most 65,535 parameters in one, and drizzle builds
 * a long list with a spread that overflows the stack near 100,000 values: a round over every
 * product of a large catalogue goes in slices of this many.
 */
export const STATEMENT_ROWS = 2000;

/** `items` in slices of STATEMENT_ROWS (or `size`), in order. */
export function slices<T>(items: readonly T[], size = STATEMENT_ROWS): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const migrationsFolder = join(dirname(fileURLToPath(import.meta.url)), '../../schemas/postgres/migrations');

export async function openPostgres(config: Pick<Config, 'databaseUrl' | 'dataDir'>, logger: Logger): Promise<PostgresStore> {
  if (config.databaseUrl) {
    const { default: pg } = await import('pg');
    const { drizzle } = await import('drizzle-orm/node-postgres');
    const { migrate } = await import('drizzle-orm/node-postgres/migrator');
    const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 10, connectionTimeoutMillis: 5000 });
    // A connection the server closes (restart, failover, pg_terminate_backend) is reported as an
    // 'error' event, which kills the process when nobody listens: on the pool for idle clients,
    // on the client itself while it is checked out. The pool drops the dead client and opens a
    // new one for the next query; the query that was running fails with a transient error
    // (core/errors.ts isTransient) and is retried by its caller.
    const log = logger.child({ component: 'postgres' });
    const lost = (err: Error) => log.warn({ err: err.message, code: (err as { code?: string }).code }, 'postgres connection lost; the pool reconnects on the next query');
    pool.on('connect', (client) => client.on('error', lost));
    pool.on('error', () => undefined); // the same error, re-emitted for an idle client: logged above
    try {
      await pool.query('SELECT 1'); // fail here, inside the caller's retry, when the server is not up
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    const db = drizzle(pool, { schema });
    return { kind: 'server', db: db as unknown as Db, close: () => pool.end(), migrate: () => migrate(db, { migrationsFolder }), ping: async () => { await pool.query('SELECT 1'); } };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  const dir = join(config.dataDir, 'postgres');
  mkdirSync(dir, { recursive: true });
  // A new data dir starts from the installation's template when there is one (pglite-template.ts).
  const template = isFreshDataDir(dir) ? templatePath(migrationsFolder) : null;
  const from = template ? await unpackTemplate(template, dir) : false;
  const client = await PGlite.create(dir);
  const db = drizzle(client, { schema });
  return {
    kind: 'pglite', db: db as unknown as Db, close: () => client.close(),
    async migrate() {
      await migrate(db, { migrationsFolder });
      // Created by initdb here: kept for the next new data dir; a cache that cannot be written
      // (a read-only installation) only costs the next one the same initdb.
      if (template && !from) {
        await writeTemplate(client, template).catch((err) => logger.warn({ err, template }, 'PGlite template not kept; the next new data dir runs initdb again'));
      }
    },
    ping: async () => { await client.query('SELECT 1'); },
  };
}
