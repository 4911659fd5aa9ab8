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
