// Poison pills in the embedded pipeline: what validation refuses never enters the bus, and what
// a store still refuses downstream (here an event an older release wrote to the bus log, with a
// time ClickHouse cannot parse) is set aside on the dead-letter topic after bounded tries, while
// the valid events around it, in its partition and in the others sharing its insert, are counted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusMessage } from '../../core/bus/types.js';
import type { DeadLetter } from '../../schemas/dead-letter.js';
import { eventually, get, makeEvents, post, seriesSum, startTestApp, tempDir, type TestApp } from '../helpers/app.js';
import { metric } from '../helpers/kafka.js';

let t: TestApp;
const letters: BusMessage[] = [];

beforeAll(async () => {
  t = await startTestApp(tempDir('poison'), { TRENDDROP_DELIVERY_ATTEMPTS: '2' });
  const { bus, topics } = t.app.runtime;
  await bus.subscribe({ groupId: 'test-dlq-reader', topics: [topics.dlq], handler: async (b) => { letters.push(...b); } });
});
afterAll(async () => { await t?.stop(); });

describe('poison pills', () => {
  it('refuses at ingest what no store can hold, naming the field, and counts the rest', async () => {
    const good = makeEvents('p-pill', 3, Date.now() - 10 * 60_000);
    const r = await post(t.url, 'events', [
      good[0],
      { ...good[1], eventId: 'pre-1970', ts: '1969-07-20T20:17:40Z' },
      { ...good[1], eventId: 'far-future', ts: '2286-11-21T00:00:00Z' },
      { ...good[1], eventId: 'lone-\ud800' },
      { ...good[1], productId: 'nul\u0000' },
      good[1], good[2],
    ]);
    expect(r.status).toBe(202);
    expect(r.body.accepted).toBe(3);
    expect(r.body.rejected.map((x: { index: number; field: string }) => [x.index, x.field])).toEqual([[1, 'ts'], [2, 'ts'], [3, 'eventId'], [4, 'productId']]);
    // An eventId with a lone surrogate is refused every time, so it can never be counted twice.
    expect((await post(t.url, 'events', [{ ...good[0], eventId: 'lone-\udc00' }])).status).toBe(400);
    const p = await post(t.url, 'products', [{ productId: 'p-pill', title: 'Pill\u0000Box' }, { productId: 'p-pill', title: 'Pill Box', brand: '\ud83d' }]);
    expect(p.status).toBe(400);
    expect(p.body.error.details.map((d: { index: number; field: string }) => [d.index, d.field])).toEqual([[0, 'title'], [1, 'brand']]);
    await eventually(async () => ((await seriesSum(t.url, 'p-pill', 'events')) === 3 ? true : undefined), 20_000, 'the 3 valid events');
  });

  it('sets aside what the store refuses after bounded tries, and counts its neighbours in every partition', async () => {
    const { bus, topics } = t.app.runtime;
    const now = Date.now() - 20 * 60_000;
    const products = Array.from({ length: 12 }, (_, i) => `p-nbr-${i}`); // spread over the 4 partitions
    const good = products.flatMap((id) => makeEvents(id, 20, now, 1000));
    // As a release that accepted any year would have logged it: trusted on the in-process bus.
    const poison = { ...good[5], eventId: 'old-release-1960', ts: '1960-01-01T00:00:00.000Z' };
    const messages = [...good.slice(0, 100), poison, ...good.slice(100)].map((e) => ({ key: e.productId, value: e }));
    await bus.publish(topics.engagement, messages);

    for (const id of products) await eventually(async () => ((await seriesSum(t.url, id, 'events')) === 20 ? true : undefined), 60_000, `20 events of ${id}`);
    await eventually(async () => (letters.length >= 1 ? true : undefined), 30_000, 'the dead letter');
    await eventually(async () => ((await t.app.runtime.bus.lag('trenddrop-raw-sink', topics.engagement)) === 0 ? true : undefined), 30_000, 'the sink past it');
    expect(letters).toHaveLength(1);
    const letter = letters[0].value as DeadLetter;
    expect(letter).toMatchObject({ sourceTopic: topics.engagement, key: poison.productId, value: poison, code: 'failed', attempts: 2, group: 'trenddrop-raw-sink' });
    expect(letter.error?.message).toMatch(/DateTime|parse/i);
    expect(await metric(t.url, 'trenddrop_dead_letter_total')).toBe(1);
    await eventually(async () => ((await get(t.url, 'ready')).status === 200 ? true : undefined), 10_000, 'ready again');
  });
});
