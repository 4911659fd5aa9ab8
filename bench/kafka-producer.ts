// The Kafka pipeline bench's outside producer: plain kafkajs in a process of its own, as any
// client of the engagement topic would be, so that the process under test does not also carry
// the producer's encoding. It floods or paces the bench's events into the topic it is told.
import { CompressionTypes, Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { serveParent } from './child.js';
import { makeEvents } from './events.js';
import { flood, pace, type Send } from './load.js';

export type ProducerCommand =
  | { op: 'connect'; brokers: string[] }
  | { op: 'flood'; topic: string; prefix: string; n: number; products: string[]; now: number }
  | { op: 'pace'; topic: string; prefix: string; ratePerSec: number; seconds: number; products: string[] };

export type ProducerReply = { op: 'connected' } | { op: 'flooded' } | { op: 'paced'; acksMs: number[] };

// The partitioner is chosen explicitly; this only silences kafkajs's v2 migration notice.
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

let producer: Producer | null = null;

const sendTo = (topic: string): Send => (events) =>
  producer!.send({ topic, acks: -1, compression: CompressionTypes.None, messages: events.map((e) => ({ key: e.productId, value: JSON.stringify(e) })) });

serveParent<ProducerCommand, ProducerReply>(import.meta.url, process.argv[1], async (c, reply) => {
  switch (c.op) {
    case 'connect': {
      producer = new Kafka({ clientId: 'trenddrop-bench-producer', brokers: c.brokers, logLevel: logLevel.NOTHING })
        .producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
      await producer.connect();
      return reply({ op: 'connected' });
    }
    case 'flood':
      await flood(sendTo(c.topic), c.n, (from, n) => makeEvents({ ...c, from, n }));
      return reply({ op: 'flooded' });
    case 'pace':
      return reply({ op: 'paced', acksMs: await pace(sendTo(c.topic), c) });
  }
});
