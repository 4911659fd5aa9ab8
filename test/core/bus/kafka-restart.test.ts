// A Kafka subscription whose consumer kafkajs gives up on starts it again. After a broker restart
// that is slow to load its groups, kafkajs's coordinator lookup fails within its short client
// retry budget with KafkaJSGroupCoordinatorNotFound, which it calls non-retriable: the consumer
// crashes with restart=false and, left alone, never consumes again (kafka-broker.test.ts timed out
// on it under load). A broker cannot be made slow on cue, so this file makes exactly one lookup of
// the group's coordinator fail the way it does then, inside kafkajs's real Cluster, and lets a real
// rebalance send the member through it. Needs KAFKA_BROKERS; its own process (the patch is
// process-wide, and undone after).
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaBus } from '../../../core/bus/kafka.js';
import type { BusMessage } from '../../../core/bus/types.js';
import { createLogger } from '../../../core/logger.js';
import { kafkaOrSkip } from '../../helpers/kafka.js';
import { waitFor } from './contract.js';

const brokers = kafkaOrSkip('test/core/bus/kafka-restart.test.ts') ?? [];
const require = createRequire(import.meta.url);

describe.skipIf(brokers.length === 0)('Kafka subscription after kafkajs gives up on its consumer', () => {
  const topic = `test.bus-restart.${randomUUID().slice(0, 8)}`;
  const group = `${topic}.g`;
  const buses: KafkaBus[] = [];
  afterAll(async () => {
    await Promise.allSettled(buses.map((b) => b.close()));
    const admin = new Kafka({ clientId: 'trenddrop-test-janitor', brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.deleteGroups([group]).catch(() => undefined);
    await admin.disconnect();
  });

  it('starts the consumer again and consumes on', async () => {
    const Cluster = require('kafkajs/src/cluster/index.js');
    const { KafkaJSGroupCoordinatorNotFound } = require('kafkajs/src/errors.js');
    const lookup = Cluster.prototype.findGroupCoordinatorMetadata;
    // Armed: the lookup after the next one (the second member's join) fails; that one is the
    // first member's rejoin in the rebalance the second member's join starts.
    let armed = false, failNext = false, failed = 0;
    Cluster.prototype.findGroupCoordinatorMetadata = async function (this: unknown, args: { groupId: string }) {
      if (args.groupId === group && failNext) {
        failNext = false;
        failed++;
        throw new KafkaJSGroupCoordinatorNotFound('Failed to find group coordinator');
      }
      const found = await lookup.call(this, args);
      if (args.groupId === group && armed) { armed = false; failNext = true; }
      return found;
    };
    try {
      const make = () => {
        const b = new KafkaBus({ brokers, clientId: 'trenddrop-test', partitions: 2, logger: createLogger('silent'), sessionTimeoutMs: 6000, handlerRetry: { baseMs: 50, maxMs: 500 } });
        buses.push(b);
        return b;
      };
      const a = make(), b = make();
      await a.ensureTopics([topic]);
      const gotA: BusMessage[] = [];
      const subA = await a.subscribe({ groupId: group, topics: [topic], handler: async (batch) => { gotA.push(...batch); } });
      await subA.ready;
      const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
      await a.publish(topic, keys.map((key) => ({ key, value: { round: 1 } })));
      await waitFor(() => gotA.length >= keys.length, 30_000, 'first round handled by the only member');

      armed = true;
      const subB = await b.subscribe({ groupId: group, topics: [topic], handler: async () => undefined });
      await subB.ready;
      await waitFor(() => failed === 1, 30_000, 'the first member\'s rejoin failing its coordinator lookup');
      // The second member leaves: every partition is the first member's again, if it is still a member.
      await subB.close();

      const before = gotA.length;
      await a.publish(topic, keys.map((key) => ({ key, value: { round: 2 } })));
      await waitFor(() => gotA.length - before >= keys.length, 45_000, 'second round handled by the first member');
      expect(gotA.slice(before).map((m) => m.key).sort()).toEqual([...keys].sort());
    } finally {
      Cluster.prototype.findGroupCoordinatorMetadata = lookup;
    }
  }, 120_000);
});
