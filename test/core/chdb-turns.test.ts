// Embedded queries wait for their connection's turn outside chdb: chdb runs one query at a time
// per connection, and every query waiting inside it holds one of libuv's pool threads. A round
// with as many queries queued as the pool has threads left none for the API's connection. And the
// rounds' queries run at a lower engine priority than the API's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openClickHouse, QUERY_PRIORITY, type ClickHouseStore } from '../../core/stores/clickhouse.js';

const dir = mkdtempSync(join(tmpdir(), 'trenddrop-chdb-turns-'));
let store: ClickHouseStore | undefined;

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** libuv's pool size in this process (its default is four). */
const POOL = Number(process.env.UV_THREADPOOL_SIZE || 4);

describe('embedded connections', () => {
  it('leave pool threads free however many queries one of them has queued', async () => {
    store = await openClickHouse({ clickhouseUrl: null, dataDir: dir });
    const order: string[] = [];
    // As many long queries on the rounds connection as the pool has threads.
    const longs = Array.from({ length: POOL }, () => store!.rounds.query({ query: 'SELECT count() AS n FROM numbers(20000000) WHERE sipHash64(number) % 7 = 1', format: 'JSONEachRow' })
      .then((r) => r.json()).then(() => order.push('long')));
    await new Promise((r) => setTimeout(r, 100));
    await store.client.query({ query: 'SELECT 1 AS x', format: 'JSONEachRow' }).then((r) => r.json()).then(() => order.push('short'));
    await Promise.all(longs);
    expect(order[0]).toBe('short');
    expect(order).toHaveLength(POOL + 1);
  }, 300_000);

  it('take turns on raw inserts too, and still run each query', async () => {
    store ??= await openClickHouse({ clickhouseUrl: null, dataDir: dir });
    await store.writer.command({ query: 'CREATE TABLE turns (x UInt32) ENGINE = MergeTree ORDER BY x' });
    const { insertBody } = await import('../../core/stores/clickhouse.js');
    await Promise.all(Array.from({ length: 10 }, (_, i) => insertBody(store!.writer, { table: 'turns', columns: ['x'], format: 'TabSeparated', body: Buffer.from(`${i}\n`) })));
    const rows = await (await store.client.query({ query: 'SELECT count() AS n, sum(x) AS s FROM turns', format: 'JSONEachRow' })).json<{ n: string | number; s: string | number }>();
    expect({ n: Number(rows[0].n), s: Number(rows[0].s) }).toEqual({ n: 10, s: 45 });
  }, 120_000);

  it('run the rounds below the API, so that the engine pauses them while it reads', async () => {
    store ??= await openClickHouse({ clickhouseUrl: null, dataDir: dir });
    const priority = async (ch: ClickHouseStore['client']) =>
      Number((await (await ch.query({ query: "SELECT getSetting('priority') AS p", format: 'JSONEachRow' })).json<{ p: string | number }>())[0].p);
    expect(await priority(store.rounds)).toBe(QUERY_PRIORITY.rounds);
    expect(await priority(store.client)).toBe(QUERY_PRIORITY.interactive);
    expect(await priority(store.writer)).toBe(QUERY_PRIORITY.none);
    expect(QUERY_PRIORITY.rounds).toBeGreaterThan(QUERY_PRIORITY.interactive);
  });
});
