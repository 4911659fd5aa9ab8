// Applies the numbered ClickHouse migrations in this folder once each, in order, recording them
// in schema_migrations. Statements in a file are separated by a semicolon at a line end.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../../core/logger.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export function clickhouseMigrations(): { version: number; name: string; statements: string[] }[] {
  return readdirSync(dir).filter((f) => /^\d{4}_.+\.sql$/.test(f)).sort().map((f) => ({
    version: Number(f.slice(0, 4)),
    name: f,
    statements: readFileSync(join(dir, f), 'utf8')
      .split(/;\s*$/m)
      .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
      .filter(Boolean),
  }));
}

/** Tables are named without a database: the client's default database holds them. */
export async function migrateClickHouse(ch: ClickHouseClient, logger: Logger): Promise<number> {
  await ch.command({ query: `CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, appliedAt DateTime64(3, 'UTC') DEFAULT now64(3)) ENGINE = MergeTree ORDER BY version` });
  const rs = await ch.query({ query: 'SELECT version FROM schema_migrations', format: 'JSONEachRow' });
  const done = new Set((await rs.json<{ version: number }>()).map((r) => Number(r.version)));
  let applied = 0;
  for (const m of clickhouseMigrations()) {
    if (done.has(m.version)) continue;
    for (const statement of m.statements) await ch.command({ query: statement }).catch((err) => {
      throw new Error(`ClickHouse migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
    });
    await ch.insert({ table: 'schema_migrations', values: [{ version: m.version, name: m.name }], format: 'JSONEachRow' });
    logger.info({ migration: m.name }, 'applied ClickHouse migration');
    applied++;
  }
  return applied;
}
