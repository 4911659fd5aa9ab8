// A processors process on Kafka SIGKILLed in the middle of a large backlog and restarted on the
// same data dir, its committed offsets lost: every event ends counted exactly once (Kafka replays
// everything; the sink's dedup against its own ClickHouse drops what was already written).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics as topicNames } from '../../core/bus/topics.js';
import { SINK_GROUP } from '../../processors/raw-sink.js';
import { eventually, tempDir } from '../helpers/app.js';
import { backlog, createTopics, distributed, expectedCounts, kafkaOrSkip, metric, offsetReader, openProducer, productCounts, reached } from '../helpers/kafka.js';

const brokers = kafkaOrSkip('test/pipeline/kafka-crash.test.ts');

describe.skipIf(!brokers)('processors on Kafka, SIGKILLed and restarted', () => {
  const d = distributed(brokers ?? []);
  beforeAll(() => d.setup());
  afterAll(() => d.teardown());

  it('counts every event exactly once', async () => {
    const prefix = d.prefix('kill');
    const topics = topicNames(prefix);
    const dir = tempDir('kafka-kill');
    const events = backlog('kill', 20, 5000);
    const expected = expectedCounts(events);
    await createTopics(brokers!, Object.values(topics));
    const producer = await openProducer(brokers!);
    await producer.events(topics.engagement, events);
    await producer.close();

    // SIGKILL mid-backlog, as soon as anything is stored. Not waiting for health: the sink
    // consumes before Postgres opens, and with a partition's next batch taken in during each
    // write it can be through the whole backlog by the time health answers.
    let c = await d.start(prefix, dir, { waitFor: 'listening' });
    const stored = await eventually(async () => {
      const n = await metric(c.url, 'trenddrop_events_stored_total');
      return n > 0 ? n : undefined;
    }, 60_000, 'some of the backlog stored');
    c.proc.kill('SIGKILL');
    await c.stop();
    expect(stored).toBeLessThan(events.length);
    // The window between a write and its offset commit is milliseconds wide, too narrow to kill
    // in on purpose; so take the worst case instead: the sink's commits are lost altogether
    // (rewound to the topic's start), and everything it stored comes again. The broker accepts
    // the rewind once the killed member's session has expired.
    const offsets = await offsetReader(brokers!);
    const committed = await offsets.committed(`${prefix}${SINK_GROUP}`, topics.engagement);
    await eventually(async () => { await offsets.rewind(`${prefix}${SINK_GROUP}`, topics.engagement); return true; }, 30_000, 'the sink group rewound');
    await offsets.close();

    c = await d.start(prefix, dir);
    const counts = await eventually(async () => {
      const got = await productCounts(c.url, [...expected.keys()]);
      return reached(got, expected) ? got : undefined;
    }, 60_000, 'every product counted');
    expect(counts).toEqual(expected);
    // Every event stored before the kill came again and was recognised.
    const replayed = await metric(c.url, 'trenddrop_events_duplicate_total');
    expect(replayed).toBeGreaterThanOrEqual(stored);
    console.info(`[kafka-crash] SIGKILL with ${stored} of ${events.length} stored (${committed} committed); offsets rewound; after restart ${replayed} replayed events dropped as already counted; every product exact`);
    await c.stop();
  }, 120_000);
});
