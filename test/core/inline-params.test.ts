// Embedded queries carry their parameters inline (core/stores/inline-params.ts): the same values
// as the engine's binding gave, and no queue behind another connection's parameterized query.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openClickHouse, type ClickHouseStore } from '../../core/stores/clickhouse.js';
import { inlineParams, sqlLiteral } from '../../core/stores/inline-params.js';

const dir = mkdtempSync(join(tmpdir(), 'trenddrop-inline-params-'));
let store: ClickHouseStore | undefined;

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const one = async <T>(ch: ClickHouseStore['client'], query: string, query_params: Record<string, unknown>): Promise<T> =>
  (await (await ch.query({ query, query_params, format: 'JSONEachRow' })).json<T>())[0];

describe('inlineParams', () => {
  it('escapes strings and writes numbers, arrays and null as literals', () => {
    expect(sqlLiteral("it's a \\ test")).toBe("'it\\'s a \\\\ test'");
    expect(sqlLiteral([1, -2.5, 2 ** 62, null])).toBe(`[1,-2.5,${2n ** 62n},NULL]`);
    expect(sqlLiteral(1e21)).toBe('1000000000000000000000');
    expect(sqlLiteral([])).toBe('[]');
  });

  it('replaces placeholders outside quotes only, and leaves those without a value', () => {
    expect(inlineParams("SELECT {a:UInt32}, '{a:UInt32}', `{a:UInt32}`, 'x\\'{a:UInt32}', {b:String}", { a: 7 }))
      .toBe("SELECT CAST(7, 'UInt32'), '{a:UInt32}', `{a:UInt32}`, 'x\\'{a:UInt32}', {b:String}");
  });
});

describe('embedded parameterized queries', () => {
  it('answer with the bound values, whatever the strings hold', async () => {
    store = await openClickHouse({ clickhouseUrl: null, dataDir: dir });
    const ids = ["a'b", 'c\\d', 'é🙂', '{x:String}', ''];
    const r = await one<Record<string, unknown>>(store.client, `
      SELECT {s:String} AS s, {i:Int64} AS i, {f:Float64} AS f, {ids:Array(String)} AS ids, length({ids:Array(String)}) AS n,
        'é🙂' IN {ids:Array(String)} AS found, transform('c\\\\d', {ids:Array(String)}, {vals:Array(Int64)}, toInt64(-1)) AS mapped,
        (SELECT count() FROM numbers({n:UInt64})) AS counted, {e:Array(String)} AS empty
      FROM numbers(3) LIMIT {lim:UInt32}`,
    { s: "o'k\\", i: -(2 ** 53), f: 0.1, ids, vals: [1, 2, 3, 4, 5], n: 4, e: [], lim: 1 });
    // 64-bit integers come back as numbers or strings, as the format settings say: compared as numbers.
    const numbers = Object.fromEntries(['i', 'n', 'mapped', 'counted'].map((k) => [k, Number(r[k])]));
    expect({ ...r, ...numbers }).toEqual({ s: "o'k\\", i: -(2 ** 53), f: 0.1, ids, n: 5, found: 1, mapped: 2, counted: 4, empty: [] });
  });

  it('past the inline size, answer through the engine\'s own binding', async () => {
    store ??= await openClickHouse({ clickhouseUrl: null, dataDir: dir });
    const ids = Array.from({ length: 20_000 }, (_, i) => `id-${i}-'\\`);
    const r = await one<{ n: number | string; hit: number }>(store.client, "SELECT length({ids:Array(String)}) AS n, 'id-7-\\'\\\\' IN {ids:Array(String)} AS hit", { ids });
    expect({ n: Number(r.n), hit: r.hit }).toEqual({ n: 20_000, hit: 1 });
  });

  it('do not wait behind a parameterized query running on another connection', async () => {
    store ??= await openClickHouse({ clickhouseUrl: null, dataDir: dir });
    const order: string[] = [];
    // Seconds of work on the rounds connection; chdb's own binding would queue the short query behind it.
    const long = one(store.rounds, 'SELECT count() AS n FROM numbers({n:UInt64}) WHERE sipHash64(number) % 7 = {m:UInt32}', { n: 60_000_000, m: 1 })
      .then(() => order.push('long'));
    await new Promise((r) => setTimeout(r, 100));
    await one(store.writer, 'SELECT {x:UInt32} AS x', { x: 1 }).then(() => order.push('short'));
    await long;
    expect(order).toEqual(['short', 'long']);
  }, 300_000);
});
