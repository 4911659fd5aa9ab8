// The Bus contract against a real broker, plus what only Kafka can show (foreign producers,
// topic creation, unreachable brokers). Needs KAFKA_BROKERS (npm run kafka:up starts one on
// 127.0.0.1:9092); without it only decodeValue runs and the file says why — except in CI, where
// a missing broker fails the file.
import { randomUUID } from 'node:crypto';
import { CompressionTypes, Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomBytes } from 'node:crypto';
import { KafkaBus, decodeValue, partsUnder } from '../../../core/bus/kafka.js';
import type { BusMessage } from '../../../core/bus/types.js';
import { StoreError } from '../../../core/errors.js';
import { createLogger } from '../../../core/logger.js';
import { kafkaOrSkip } from '../../helpers/kafka.js';
import { busContract, waitFor } from './contract.js';

const brokers = kafkaOrSkip('test/core/bus/kafka.test.ts') ?? [];
const logger = createLogger(process.env.LOG_LEVEL ?? 'silent');

const make = (extra: Partial<ConstructorParameters<typeof KafkaBus>[0]> = {}) =>
  new KafkaBus({
    brokers,
    clientId: 'trenddrop-test',
    partitions: 4,
    logger,
    // The broker's minimum; a member that vanished frees its partitions quickly.
    sessionTimeoutMs: 6000,
    handlerRetry: { baseMs: 50, maxMs: 500 },
    ...extra,
  });

describe('partsUnder', () => {
  it('keeps the order, fills each part up to the limit, and gives an oversized message a part of its own', () => {
    const msgs = Array.from({ length: 10 }, (_, i) => ({ key: `k${i % 3}`, value: 'x'.repeat(i === 4 ? 1000 : 34) }));
    const parts = partsUnder(msgs, 300); // each small message counts 2 + 34 + 64 = 100 bytes
    expect(parts.flat()).toEqual(msgs);
    expect(parts.map((p) => p.length)).toEqual([3, 1, 1, 3, 2]);
    expect(partsUnder([], 300)).toEqual([]);
  });
});

describe('decodeValue', () => {
  it('parses JSON and hands back anything else as the raw string', () => {
    expect(decodeValue(Buffer.from('{"a":1}'))).toEqual({ a: 1 });
    expect(decodeValue(Buffer.from('not json {'))).toBe('not json {');
    expect(decodeValue(null)).toBeNull();
  });
});

if (brokers.length > 0) {
  // Test topics are deleted afterwards: hundreds of leftover partitions slow the broker's restart.
  const janitor = new Kafka({ clientId: 'trenddrop-test-janitor', brokers, logLevel: logLevel.NOTHING }).admin();
  let janitorUp: Promise<void> | null = null;
  const dropTopics = async (topics: string[]) => {
    janitorUp ??= janitor.connect();
    await janitorUp;
    const existing = new Set(await janitor.listTopics());
    const mine = topics.filter((t) => existing.has(t));
    if (mine.length > 0) await janitor.deleteTopics({ topics: mine }).catch(() => undefined);
  };
  afterAll(async () => {
    if (janitorUp) await janitor.disconnect();
  });

  busContract('kafka', async () => make(), dropTopics, { timeoutMs: 30_000, settleMs: 500 });

  describe('KafkaBus specifics', { timeout: 60_000 }, () => {
    const bus = make({ clientId: 'trenddrop-test-specifics' });
    const raw = new Kafka({ clientId: 'trenddrop-test-raw', brokers, logLevel: logLevel.NOTHING });
    const admin = raw.admin();
    const p = `kafka.${Date.now().toString(36)}.${randomUUID().slice(0, 8)}`;

    beforeAll(async () => {
      await bus.connect();
      await admin.connect();
    });
    afterAll(async () => {
      await bus.close();
      const mine = (await admin.listTopics()).filter((t) => t.startsWith(`${p}.`));
      if (mine.length > 0) await admin.deleteTopics({ topics: mine }).catch(() => undefined);
      await admin.disconnect();
    });

    it('creates topics with the configured partitions, and ensureTopics is idempotent', async () => {
      const t = `${p}.created`;
      await bus.ensureTopics([t]);
      await bus.ensureTopics([t]);
      // A second bus (another process) ensuring the same topic is fine too.
      const other = make({ clientId: 'trenddrop-test-other' });
      await other.ensureTopics([t]);
      await other.close();
      const { topics } = await admin.fetchTopicMetadata({ topics: [t] });
      expect(topics[0].partitions).toHaveLength(4);
    });

    it('delivers a message whose value is not JSON as the raw string, so it can be dead-lettered', async () => {
      const t = `${p}.raw`;
      await bus.ensureTopics([t]);
      const producer = raw.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      await producer.send({ topic: t, messages: [{ key: 'bad', value: '{"truncated": ' }, { key: 'good', value: '{"ok":true}' }, { key: null, value: null }] });
      await producer.disconnect();
      const got: BusMessage[] = [];
      const sub = await bus.subscribe({ groupId: `${p}.raw.g`, topics: [t], handler: async (b) => { got.push(...b); } });
      await sub.ready;
      await waitFor(() => got.length >= 3, 20_000, '3 messages');
      await sub.close();
      const byKey = new Map(got.map((m) => [m.key, m.value]));
      expect(byKey.get('bad')).toBe('{"truncated": ');
      expect(byKey.get('good')).toEqual({ ok: true });
      expect(byKey.get('')).toBeNull();
    });

    it('sends uncompressedTopics uncompressed and every other topic gzipped', async () => {
      const plain = `${p}.plain`, zipped = `${p}.zipped`;
      const own = make({ clientId: 'trenddrop-test-uncompressed', uncompressedTopics: [plain] });
      await own.ensureTopics([plain, zipped]);
      const send = vi.spyOn((own as unknown as { producer: Producer }).producer, 'send');
      await own.publish(plain, [{ key: 'k', value: 1 }]);
      await own.publish(zipped, [{ key: 'k', value: 2 }]);
      await own.close();
      expect(send.mock.calls.map(([r]) => [r.topic, r.compression])).toEqual([[plain, CompressionTypes.None], [zipped, CompressionTypes.GZIP]]);
    });

    it('puts a key on the partition the Java client would (murmur2), so other producers agree', async () => {
      const t = `${p}.partitioning`;
      await bus.ensureTopics([t]);
      await bus.publish(t, [{ key: 'p-123', value: 1 }, { key: 'a', value: 2 }]);
      const got: BusMessage[] = [];
      const sub = await bus.subscribe({ groupId: `${p}.part.g`, topics: [t], handler: async (b) => { got.push(...b); } });
      await sub.ready;
      await waitFor(() => got.length >= 2, 20_000, '2 messages');
      await sub.close();
      // Expected partitions computed with the Java client's Utils.toPositive(Utils.murmur2(key)) % 4.
      const part = new Map(got.map((m) => [m.key, m.partition]));
      expect(part.get('a')).toBe(0);
      expect(part.get('p-123')).toBe(1);
    });

    it('splits a publish larger than the topic\'s max.message.bytes into sends it accepts, in order per key', async () => {
      const t = `${p}.small-messages`;
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic: t, numPartitions: 4, configEntries: [{ name: 'max.message.bytes', value: '32768' }] }] });
      // ~800 KB of incompressible values: one send would put ~200 KB in each partition's batch.
      const sent = Array.from({ length: 3000 }, (_, i) => ({ key: `k${i % 7}`, value: { i, noise: randomBytes(150).toString('base64') } }));
      await bus.publish(t, sent);
      const got: BusMessage[] = [];
      const sub = await bus.subscribe({ groupId: `${p}.small.g`, topics: [t], handler: async (b) => { got.push(...b); } });
      await sub.ready;
      await waitFor(() => got.length >= sent.length, 30_000, `${sent.length} messages`);
      await sub.close();
      expect(got).toHaveLength(sent.length);
      for (let k = 0; k < 7; k++) {
        const order = got.filter((m) => m.key === `k${k}`).map((m) => (m.value as { i: number }).i);
        expect(order).toEqual(sent.filter((m) => m.key === `k${k}`).map((m) => m.value.i));
      }
    });

    it('fails start-up with a StoreError naming the brokers when none answers', async () => {
      const dead = new KafkaBus({ brokers: ['127.0.0.1:1'], clientId: 'trenddrop-test-dead', partitions: 1, logger, connectAttempts: 2 });
      await expect(dead.connect()).rejects.toBeInstanceOf(StoreError);
      await expect(dead.connect()).rejects.toThrow(/127\.0\.0\.1:1/);
      await dead.close();
    });
  });
}
