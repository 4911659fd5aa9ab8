// queryEach reads a result row by row and gives the event loop turns while it does: the embedded
// engine hands over its whole result at once, and 100k rows of the scorer's features took a third
// of a second to parse in one piece, with reads, WebSocket messages and acks waiting.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openClickHouse, queryEach, type ClickHouseStore } from '../../core/stores/clickhouse.js';

const dir = mkdtempSync(join(tmpdir(), 'trenddrop-query-each-'));
let store: ClickHouseStore | undefined;

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('queryEach', () => {
  it('makes every row in order, and lets a task beside it run while it parses them', async () => {
    store = await openClickHouse({ clickhouseUrl: null, dataDir: dir });
    const N = 400_000;
    let runs = 0, stop = false;
    const beside = () => { runs++; if (!stop) setImmediate(beside); };
    setImmediate(beside);
    // The task's runs between the first row made and the last: the parse, not the engine's query.
    let atFirst = -1;
    const rows = await queryEach(store.client, 'SELECT number AS n, toString(number * 3) AS s FROM numbers({n:UInt64}) ORDER BY n', { n: N }, (r, names) => {
      if (atFirst < 0) atFirst = runs;
      return { [names[0]]: Number(r[0]), [names[1]]: r[1] };
    });
    const during = runs - atFirst;
    stop = true;
    expect(rows).toHaveLength(N);
    expect(rows[0]).toEqual({ n: 0, s: '0' });
    expect(rows[N - 1]).toEqual({ n: N - 1, s: String((N - 1) * 3) });
    expect(rows.every((r, i) => r.n === i)).toBe(true);
    expect(during).toBeGreaterThan(0);
  }, 120_000);
});
