// The same pipeline on a ClickHouse server instead of embedded chdb: only the connection
// differs (CLICKHOUSE_URL). No server can be installed on the development machine, so this runs
// where CLICKHOUSE_URL is set (e.g. http://default:pass@127.0.0.1:8123/trenddrop_test) and says
// so when it is skipped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, get, makeEvents, post, seriesSum, startTestApp, tempDir, type TestApp } from '../helpers/app.js';

const url = process.env.CLICKHOUSE_URL;
if (!url) process.stderr.write('[test/pipeline/clickhouse-server] CLICKHOUSE_URL is not set: skipping the ClickHouse server tests (embedded chdb runs the same SQL in every other test)\n');

describe.skipIf(!url)('pipeline on a ClickHouse server', () => {
  let t: TestApp;
  const product = `p-chs-${Date.now()}`;
  beforeAll(async () => { t = await startTestApp(tempDir('chs'), { CLICKHOUSE_URL: url! }); });
  afterAll(async () => { await t?.stop(); });

  it('counts events once, serves them and reports the server in ready', async () => {
    const ready = await get(t.url, 'ready');
    expect(ready.body.components.clickhouse.state).toBe('up');
    expect(t.app.runtime.clickhouse.kind).toBe('server');
    const events = makeEvents(product, 100, Date.now() - 30 * 60_000, 10_000);
    for (let i = 0; i < 2; i++) expect((await post(t.url, 'events', events)).status).toBe(202);
    const views = events.reduce((a, e) => a + e.views, 0);
    await eventually(async () => ((await seriesSum(t.url, product)) === views ? true : undefined));
  });
});
