// TABLES is the one spelling of the ClickHouse table names in code; the migrations create the
// tables. The two must name the same set.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TABLES } from '../../schemas/clickhouse/tables.js';

const dir = join(import.meta.dirname, '../../schemas/clickhouse/migrations');

describe('ClickHouse table names', () => {
  it('name exactly the tables the migrations create', () => {
    const created = readdirSync(dir).filter((f) => f.endsWith('.sql'))
      .flatMap((f) => [...readFileSync(join(dir, f), 'utf8').matchAll(/CREATE TABLE IF NOT EXISTS (\w+)/g)].map((m) => m[1]));
    expect(created.length).toBeGreaterThan(0);
    expect(new Set(Object.values(TABLES))).toEqual(new Set(created));
  });
});
