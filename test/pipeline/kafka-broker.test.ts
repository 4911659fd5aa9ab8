// The broker itself failing, on a second broker of this test's own (other ports, wiped after), so
// the shared broker other tests use is never touched:
// - TrendDrop started before any broker answers keeps retrying with logged backoff, `ready`
//   says the bus is not up (503) while ClickHouse and Postgres are, and it comes up by itself once
//   the broker appears;
// - the broker restarted while a backlog is being consumed: `ready` says the bus is down while
//   it is away, and nothing is lost or doubled.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics as topicNames } from '../../core/bus/topics.js';
import { eventually, get, tempDir } from '../helpers/app.js';
import { freePort } from '../helpers/app.js';
import { backlog, distributed, expectedCounts, kafkaOrSkip, metric, openProducer, productCounts, reached, uniquePrefix, type Child, type Counts } from '../helpers/kafka.js';

const run = promisify(execFile);
const brokers = kafkaOrSkip('test/pipeline/kafka-broker.test.ts');

describe.skipIf(!brokers)('TrendDrop when its Kafka broker is down or restarts', () => {
  let port = 0, cport = 0;
  const script = (name: 'up' | 'down', env: Record<string, string> = {}) =>
    run('bash', [`scripts/kafka-${name}.sh`], { env: { ...process.env, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(cport), ...env } });
  let d: ReturnType<typeof distributed>;
  let app: Child;
  const prefix = uniquePrefix('broker');
  const topics = topicNames(prefix);

  beforeAll(async () => {
    port = await freePort();
    cport = await freePort();
    d = distributed([`127.0.0.1:${port}`]);
    await d.setup();
  });
  afterAll(async () => {
    await d?.teardown();
    if (port) await script('down', { KAFKA_WIPE: '1' });
  });

  it('reports the bus not ready while no broker answers, retrying with backoff, and comes up when one does', async () => {
    app = await d.start(prefix, tempDir('kafka-broker'), { waitFor: 'listening', roles: 'ingest,processors,api' });
    const waiting = await eventually(async () => {
      const r = await get(app.url, 'ready');
      return r.body.components?.clickhouse?.state === 'up' && r.body.components?.postgres?.state === 'up' ? r : undefined;
    }, 60_000, 'ClickHouse and Postgres up');
    expect(waiting.status).toBe(503);
    expect(waiting.body.ready).toBe(false);
    expect(['starting', 'down']).toContain(waiting.body.components.bus.state);
    // Each failed attempt is logged with its number and the delay before the next.
    const retries = await eventually(async () => {
      const lines = app.output().split('\n').filter((l) => l.includes('not ready yet, retrying')).map((l) => JSON.parse(l)).filter((l) => l.what.includes(`:${port}`));
      return lines.length >= 2 ? lines : undefined;
    }, 30_000, 'logged retries');
    expect(retries[0]).toMatchObject({ attempt: 1, delayMs: expect.any(Number) });
    expect(retries.some((l) => l.attempt >= 2)).toBe(true);

    await script('up');
    await eventually(async () => ((await get(app.url, 'ready')).status === 200 ? true : undefined), 45_000, 'ready once the broker is up');
    expect((await get(app.url, 'ready')).body.components.bus.state).toBe('up');
  }, 120_000);

  it('loses nothing and doubles nothing when the broker restarts mid-run', async () => {
    const producer = await openProducer([`127.0.0.1:${port}`]);
    const first = backlog('restart1', 10, 3000);
    await producer.events(topics.engagement, first);
    await producer.close();
    await eventually(async () => ((await metric(app.url, 'trenddrop_events_stored_total')) > 0 ? true : undefined), 30_000, 'consuming');

    // A controlled shutdown and a start on the same data, while the backlog is being consumed.
    const storedBefore = await metric(app.url, 'trenddrop_events_stored_total');
    await script('down');
    // `ready` tells the truth after start-up too: the bus reads down while the broker is away.
    const down = await eventually(async () => { const r = await get(app.url, 'ready'); return r.body.components?.bus?.state === 'down' ? r : undefined; }, 30_000, 'bus down in ready');
    expect(down.status).toBe(503);
    // A write while the broker is away is told to come back (it got a 500 before), in the error shape.
    const refused = await fetch(`${app.url}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(backlog('refused', 1, 1)) });
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ error: { code: 'unavailable', details: [] } });
    await script('up');
    const again = await openProducer([`127.0.0.1:${port}`]);
    const second = backlog('restart2', 10, 1000);
    await again.events(topics.engagement, second);
    await again.close();

    const expected = expectedCounts([...first, ...second]);
    let got: Counts = new Map();
    const counts = await eventually(async () => {
      got = await productCounts(app.url, [...expected.keys()]);
      return reached(got, expected) ? got : undefined;
    }, 90_000, 'every event counted').catch((err: Error) => {
      // What the process logged (warnings and up) and how far it got say where it stalled.
      const stored = [...got.values()].reduce((a, c) => a + c.events, 0);
      err.message += ` (${stored} of ${first.length + second.length} counted; the process logged:\n${app.output().split('\n').slice(-40).join('\n')})`;
      throw err;
    });
    expect(counts).toEqual(expected);
    console.info(`[kafka-broker] broker restarted with ${storedBefore} of ${first.length} stored; then ${second.length} more produced; ${await metric(app.url, 'trenddrop_events_duplicate_total')} redelivered events dropped; every product exact`);
    expect((await get(app.url, 'ready')).status).toBe(200);
    await app.stop();
  }, 150_000);
});
