// The numbered ClickHouse migrations in migrations/, in order. Statements in a file are
// separated by a semicolon at a line end. core/stores/clickhouse.ts applies them.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface ClickHouseMigration { version: number; name: string; statements: string[] }

export function clickhouseMigrations(): ClickHouseMigration[] {
  return readdirSync(dir).filter((f) => /^\d{4}_.+\.sql$/.test(f)).sort().map((f) => ({
    version: Number(f.slice(0, 4)),
    name: f,
    statements: readFileSync(join(dir, f), 'utf8')
      .split(/;\s*$/m)
      .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
      .filter(Boolean),
  }));
}

/**
 * The heads migration's backfill: every product's latest forecast head from its stored forecast,
 * backtest and lifecycle rows. The API bench and the tests run it over rows they write directly,
 * as a data dir from before the heads were written holds them.
 */
export function forecastHeadsBackfill(): string {
  const m = clickhouseMigrations().find((x) => x.name === '0014_forecast_heads.sql');
  const statement = m?.statements.find((s) => s.startsWith('INSERT INTO forecast_heads'));
  if (!statement) throw new Error('0014_forecast_heads.sql holds no heads backfill');
  return statement;
}
