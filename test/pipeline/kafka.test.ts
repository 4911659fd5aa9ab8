// TrendDrop on a real Kafka broker and the Postgres server (ClickHouse embedded), in one process:
// events produced into the engagement topic by an outside client are counted exactly, scored and
// pushed over the WebSocket; malformed messages go to the dead-letter topic and the consumer
// keeps going; HTTP ingest in Kafka mode counts a resent batch once.
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { topics as topicNames } from '../../core/bus/topics.js';
import type { DeadLetter } from '../../schemas/dead-letter.js';
import { eventually, get, makeEvents, post, seriesSum, startTestApp, tempDir, type TestApp } from '../helpers/app.js';
import { dropPrefix, kafkaOrSkip, openProducer, uniquePrefix } from '../helpers/kafka.js';
import { createTestDatabase } from '../helpers/postgres.js';

const brokers = kafkaOrSkip('test/pipeline/kafka.test.ts');

describe.skipIf(!brokers)('TrendDrop on Kafka and the Postgres server', { timeout: 60_000 }, () => {
  const prefix = uniquePrefix('pipeline');
  const topics = topicNames(prefix);
  let t: TestApp;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let producer: Awaited<ReturnType<typeof openProducer>>;
  const sum = (xs: { views: number }[]) => xs.reduce((a, e) => a + e.views, 0);

  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp(tempDir('kafka'), { KAFKA_BROKERS: brokers!.join(','), KAFKA_TOPIC_PREFIX: prefix, DATABASE_URL: db.url, TRENDDROP_KAFKA_SESSION_TIMEOUT_MS: '6000' });
    producer = await openProducer(brokers!);
  });
  afterAll(async () => {
    await producer?.close();
    await t?.stop();
    await db?.drop();
    await dropPrefix(brokers!, prefix);
  });

  it('runs on Kafka and the Postgres server, and says so in ready', async () => {
    expect(t.app.runtime.bus.kind).toBe('kafka');
    expect(t.app.runtime.postgres.kind).not.toBe('pglite');
    const ready = await get(t.url, 'ready');
    expect(ready.status).toBe(200);
    expect(ready.body.components.bus.state).toBe('up');
  });

  it('counts, scores and pushes events that an outside client produced into the engagement topic', async () => {
    const ws = new WebSocket(t.url.replace('http', 'ws') + '/ws');
    const got: any[] = [];
    ws.onmessage = (m) => got.push(JSON.parse(String(m.data)));
    await new Promise((r) => (ws.onopen = r));
    ws.send(JSON.stringify({ type: 'subscribe', channels: ['product:p-kafka-1'] }));
    await eventually(async () => (got.some((m) => m.type === 'ack') ? true : undefined));

    // p-kafka-1's 150 minutes up to now hold at least one settled hour (ended more than the allowed
    // hour of lateness before its last event) to score, whatever the minute the test runs at.
    const events = [...makeEvents('p-kafka-1', 200, Date.now() - 150 * 60_000, 45_000), ...makeEvents('p-kafka-2', 150, Date.now() - 90 * 60_000, 30_000)];
    await producer.events(topics.engagement, events);
    for (const id of ['p-kafka-1', 'p-kafka-2']) {
      const mine = events.filter((e) => e.productId === id);
      await eventually(async () => ((await seriesSum(t.url, id)) === sum(mine) ? true : undefined), 30_000, `exact views of ${id}`);
      expect(await seriesSum(t.url, id, 'events')).toBe(mine.length);
    }
    // Each write's update follows its rows; the deltas over the channel add up to what was
    // produced for the product, no more.
    const pushedEvents = () => got.filter((m) => m.type === 'event' && m.channel === 'product:p-kafka-1').reduce((a, m) => a + m.data.delta.events, 0);
    await eventually(async () => (pushedEvents() >= 200 ? true : undefined), 30_000, 'the pushed deltas');
    expect(pushedEvents()).toBe(200);
    ws.close();
    const scored = await eventually(async () => { const d = (await get(t.url, 'products/p-kafka-1')).body; return d.trend ? d : undefined; }, 30_000, 'a score');
    expect(scored.trend.score).toBeGreaterThan(0);
    expect(scored.totals24h.events).toBe(200);
  });

  it('dead-letters malformed messages with the reason and field, and keeps consuming', async () => {
    const [good] = makeEvents('p-kafka-dlq', 1, Date.now() - 60_000);
    await producer.send(topics.engagement, [
      { key: 'p-kafka-dlq', value: '{"eventId": "broken", ' },
      { key: 'p-kafka-dlq', value: { ...good, eventId: 'bad-region', region: 'QQ' } },
      { key: 'p-kafka-dlq', value: { ...good, eventId: 'bad-views', views: -5 } },
    ]);
    const later = makeEvents('p-kafka-dlq', 20, Date.now() - 20 * 60_000, 60_000);
    await producer.events(topics.engagement, later);
    await eventually(async () => ((await seriesSum(t.url, 'p-kafka-dlq', 'events')) === later.length ? true : undefined), 30_000, 'the valid events after the bad ones');

    const letters: DeadLetter[] = [];
    const consumer = new Kafka({ clientId: 'trenddrop-test-dlq', brokers: brokers!, logLevel: logLevel.NOTHING }).consumer({ groupId: `${prefix}dlq-reader`, sessionTimeout: 6000 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topics.dlq], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => { letters.push(JSON.parse(message.value!.toString())); } });
    try {
      await eventually(async () => (letters.length >= 3 ? true : undefined), 30_000, 'three dead letters');
    } finally {
      await consumer.disconnect();
    }
    expect(letters).toHaveLength(3);
    expect(letters.every((l) => l.sourceTopic === topics.engagement && l.key === 'p-kafka-dlq')).toBe(true);
    expect(letters[0]).toMatchObject({ reason: expect.stringMatching(/^not JSON/), value: '{"eventId": "broken", ' });
    expect(letters[1]).toMatchObject({ reason: 'invalid engagement event', errors: [{ field: 'region', reason: 'is not an ISO 3166-1 alpha-2 code' }] });
    expect(letters[2].errors.map((e) => e.field)).toEqual(['views']);
    // Dead letters point back at their source offsets, in order.
    expect(letters[1].offset).toBe(letters[0].offset + 1);
  });

  it('counts an HTTP batch once even when it is sent twice', async () => {
    const events = makeEvents('p-kafka-http', 100, Date.now() - 50 * 60_000, 30_000);
    for (let i = 0; i < 2; i++) expect((await post(t.url, 'events', events)).body).toEqual({ accepted: 100, rejected: [] });
    await eventually(async () => ((await seriesSum(t.url, 'p-kafka-http')) === sum(events) ? true : undefined), 30_000, 'exact views');
    await t.app.drain();
    expect(await seriesSum(t.url, 'p-kafka-http', 'events')).toBe(100);
    expect(await seriesSum(t.url, 'p-kafka-http')).toBe(sum(events));
  });
});
