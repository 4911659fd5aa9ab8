// Two processors processes on Kafka split the partitions of the engagement topic; when one stops,
// the other takes over its partitions and counts the rest. Embedded chdb allows one data
// directory per process, so each process has a ClickHouse of its own: together the two stores
// must hold every event exactly once, each product (one key, one partition) in one of them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics as topicNames } from '../../core/bus/topics.js';
import { SINK_GROUP } from '../../processors/raw-sink.js';
import { eventually, tempDir } from '../helpers/app.js';
import { backlog, distributed, expectedCounts, groupMembers, kafkaOrSkip, metric, openProducer, productCounts, sumCounts } from '../helpers/kafka.js';

const brokers = kafkaOrSkip('test/pipeline/kafka-split.test.ts');

describe.skipIf(!brokers)('two processors processes on Kafka', () => {
  const d = distributed(brokers ?? []);
  beforeAll(() => d.setup());
  afterAll(() => d.teardown());

  it('split the partitions, and one takes over when the other stops', async () => {
    const prefix = d.prefix('split');
    const topics = topicNames(prefix);
    const group = `${prefix}${SINK_GROUP}`;
    const stored = (url: string) => metric(url, 'trenddrop_events_stored_total');
    const [a, b] = await Promise.all([d.start(prefix, tempDir('kafka-split-a')), d.start(prefix, tempDir('kafka-split-b'))]);
    await eventually(async () => { const m = await groupMembers(brokers!, group); return m.length === 2 && m.every((x) => x.partitions > 0) ? true : undefined; }, 30_000, 'two members with partitions each');

    const producer = await openProducer(brokers!);
    const first = backlog('split', 16, 2000);
    const ids = [...expectedCounts(first).keys()];
    await producer.events(topics.engagement, first);
    await eventually(async () => ((await stored(a.url)) + (await stored(b.url)) === first.length ? true : undefined), 30_000, 'first batch stored');
    const [ca, cb] = await Promise.all([productCounts(a.url, ids), productCounts(b.url, ids)]);
    // Both worked, and each product was counted by exactly one of them.
    expect([...ca.values()].some((v) => v.events > 0) && [...cb.values()].some((v) => v.events > 0)).toBe(true);
    for (const id of ids) expect(ca.get(id)!.events === 0 || cb.get(id)!.events === 0).toBe(true);
    expect(sumCounts(ca, cb)).toEqual(expectedCounts(first));

    // A graceful stop commits and leaves the group, so b resumes exactly where a stopped.
    await a.stop('SIGTERM');
    await eventually(async () => { const m = await groupMembers(brokers!, group); return m.length === 1 && m[0].partitions === 4 ? true : undefined; }, 30_000, 'b holding all partitions');
    const second = first.map((e) => ({ ...e, eventId: `again-${e.eventId}`, ts: new Date(Date.parse(e.ts) + 1000).toISOString() }));
    const bBefore = await stored(b.url);
    await producer.events(topics.engagement, second);
    await producer.close();
    await eventually(async () => ((await stored(b.url)) - bBefore === second.length ? true : undefined), 30_000, 'second batch stored by b');
    const cb2 = await eventually(async () => {
      const got = await productCounts(b.url, ids);
      return ids.every((id) => got.get(id)!.events - cb.get(id)!.events === 2000) ? got : undefined;
    }, 30_000, 'b counted the products a had');
    expect(sumCounts(ca, cb2)).toEqual(expectedCounts([...first, ...second]));
    const total = (c: typeof ca) => [...c.values()].reduce((n, v) => n + v.events, 0);
    console.info(`[kafka-split] a counted ${total(ca)} and b ${total(cb)} of ${first.length}; after a stopped, b counted all ${second.length} more; each event once`);
    await b.stop();
  }, 90_000);
});
