// A processors process on Kafka SIGKILLed in the middle of a large backlog, at a moment when it
// has written events whose offsets it has not committed, and restarted on the same data dir: every event
// ends counted exactly once (Kafka replays the uncommitted tail; the sink's dedup against its own
// ClickHouse drops what was already written).
import { setTimeout as sleep } from 'node:timers/promises';
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
    await createTopics(brokers!, Object.values(topics));
    const producer = await openProducer(brokers!);
    let c = await d.start(prefix, dir);
    // Freeze the process while it works through a backlog (SIGSTOP), then read what the group
    // committed: final while the process is stopped. More stored than committed means a written
    // batch has no committed offsets, and SIGKILL now must replay it; otherwise let it run on.
    // The window between a write and its commit is short, so a backlog may be worked through
    // without one caught: then another backlog follows, on the same process, until one is.
    const offsets = await offsetReader(brokers!);
    const events: ReturnType<typeof backlog> = [];
    let atKill: { stored: number; committed: number } | null = null;
    for (let round = 0; !atKill && round < 8; round++) {
      const more = backlog(`kill${round}`, 20, 5000);
      events.push(...more);
      await producer.events(topics.engagement, more);
      for (const until = Date.now() + 60_000; !atKill && Date.now() < until;) {
        const stored = await metric(c.url, 'trenddrop_events_stored_total');
        if (stored >= events.length) break;
        if (stored < events.length - more.length * 0.8) continue;
        c.proc.kill('SIGSTOP');
        await sleep(200);
        const done = await offsets.committed(`${prefix}${SINK_GROUP}`, topics.engagement);
        if (stored > done) {
          c.proc.kill('SIGKILL');
          atKill = { stored, committed: done };
        } else {
          c.proc.kill('SIGCONT');
        }
      }
    }
    await offsets.close();
    await producer.close();
    if (!atKill) throw new Error('never caught a written but uncommitted batch to kill in, in 8 backlogs');
    await c.stop();
    expect(atKill.stored).toBeLessThan(events.length);
    const expected = expectedCounts(events);

    c = await d.start(prefix, dir);
    const counts = await eventually(async () => {
      const got = await productCounts(c.url, [...expected.keys()]);
      return reached(got, expected) ? got : undefined;
    }, 60_000, 'every product counted');
    expect(counts).toEqual(expected);
    // The written but uncommitted events came again and were recognised.
    const replayed = await metric(c.url, 'trenddrop_events_duplicate_total');
    expect(replayed).toBeGreaterThanOrEqual(atKill.stored - atKill.committed);
    console.info(`[kafka-crash] SIGKILL with ${atKill.stored} of ${events.length} stored and ${atKill.committed} committed; after restart ${replayed} replayed events dropped as already counted; every product exact`);
    await c.stop();
  }, 240_000);
});
