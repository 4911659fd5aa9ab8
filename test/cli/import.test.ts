// `trenddrop import` of a real 14-year monthly Google Trends export (diet, gym and finance
// worldwide, 2004-01 to 2017-12: 168 months in three terms; from the pystatsml course data,
// github.com/neurospin/pystatsml datasets/multiTimeline.csv), end to end as a user runs it, with
// no TrendDrop running: every event is stored across 168 monthly partitions (one insert of them
// all was refused by ClickHouse, TOO_MANY_PARTS), the command says what was stored, and a second
// import changes nothing.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { openRuntime, type Runtime } from '../../core/runtime.js';
import { TABLES } from '../../schemas/clickhouse/tables.js';
import { freePort, tempDir } from '../helpers/app.js';

const FILE = 'test/ingest/agent/fixtures/files/diet-gym-finance-2004-2017.csv';
const dir = tempDir('import');
let rt: Runtime | undefined;
afterAll(async () => { await rt?.close(); });

async function importFile(): Promise<string> {
  const port = await freePort(); // nothing answers there: the import runs its own pipeline
  const proc = spawn(process.execPath, ['bin/trenddrop.cjs', 'import', FILE], {
    env: { ...process.env, KAFKA_BROKERS: '', TRENDDROP_DATA_DIR: dir, PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '', err = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const code = await new Promise<number | null>((r) => proc.once('exit', r));
  if (code !== 0) throw new Error(`import exited with ${code}:\n${out}\n${err}`);
  return out;
}

/** Per term, from the file itself: months with a value and their sum. */
function expected(): Map<string, { months: number; sum: number }> {
  const lines = readFileSync(FILE, 'utf8').trim().split('\n');
  const terms = lines[2].split(',').slice(1).map((h) => h.replace(/: \(.*\)$/, ''));
  const out = new Map(terms.map((t) => [t, { months: 0, sum: 0 }]));
  for (const line of lines.slice(3)) line.split(',').slice(1).forEach((v, j) => { const e = out.get(terms[j])!; e.months++; e.sum += Number(v); });
  return out;
}

describe('trenddrop import of a 14-year monthly Google Trends export', () => {
  it('stores every month of every term, says so, and a second import changes nothing', { timeout: 600_000 }, async () => {
    const first = await importFile();
    expect(first).toMatch(/read 168 rows \(google-trends\), sent to the embedded pipeline in .*: 3 products, 504 events/);
    expect(first).toContain('stored: all 504 events sent are in ClickHouse');
    // Written in inserts of at most 24 months, not retried down to ones ClickHouse takes.
    expect(first).not.toMatch(/TOO_MANY_PARTS|handler failed/);
    const second = await importFile();
    expect(second).toContain('stored: all 504 events sent are in ClickHouse');

    rt = await openRuntime(loadConfig({ TRENDDROP_DATA_DIR: dir, KAFKA_BROKERS: '' }), { logger: createLogger('silent') });
    const q = async (sql: string) => (await rt!.clickhouse.client.query({ query: sql, format: 'JSONEachRow' })).json<Record<string, string>>();
    const titles = new Map((await q(`SELECT productId, argMax(title, updatedAt) AS title FROM ${TABLES.products} GROUP BY productId`)).map((r) => [r.productId, r.title]));
    const stored = await q(`SELECT productId, count() AS months, sum(searches) AS sum, min(ts) AS first, max(ts) AS last FROM ${TABLES.events} GROUP BY productId`);
    const daily = new Map((await q(`SELECT productId, sum(searches) AS sum, sum(events) AS events FROM ${TABLES.engagement1d} GROUP BY productId`)).map((r) => [r.productId, r]));
    const byTerm = new Map(stored.map((r) => [titles.get(r.productId), r]));
    expect([...byTerm.keys()].sort()).toEqual(['diet', 'finance', 'gym']);
    for (const [term, want] of expected()) {
      const got = byTerm.get(term)!;
      expect({ term, months: Number(got.months), sum: Number(got.sum) }).toEqual({ term, months: want.months, sum: want.sum });
      expect(got.first).toMatch(/^2004-01-01 00:00:00/);
      expect(got.last).toMatch(/^2017-12-01 00:00:00/);
      // The rollups hold each month once, the second import included.
      expect(Number(daily.get(got.productId)!.sum)).toBe(want.sum);
      expect(Number(daily.get(got.productId)!.events)).toBe(want.months);
    }
  });
});
