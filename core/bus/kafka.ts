// The Kafka bus: the Bus interface on Apache Kafka through kafkajs, for the distributed form.
// kafkajs is unmaintained (last release 2.2.4), so nothing outside this file touches it.
//
// How the Bus semantics map onto Kafka:
// - key → partition by kafkajs's Java-compatible murmur2 partitioner, so other Kafka clients
//   put the same key on the same partition;
// - publish() resolves after acks from all in-sync replicas; one request in flight per broker
//   keeps per-key order through producer retries (a retry may duplicate, never reorder);
// - consumers use eachBatch, one partition's batches handed over strictly in order, up to
//   `inFlight` of them at once; eachBatch returns once its batches are handed over, so kafkajs
//   fetches the next while the handler still works (kafkajs fetches a partition from the offset
//   last resolved, so handed-over batches are resolved at once, and kafkajs's own commits are
//   off); each partition's offset is committed here, only up to the first batch whose handler
//   has not resolved, and a throwing handler is retried on the same messages with backoff, so a
//   crash anywhere replays and never skips (at-least-once);
// - a new durable group starts at the beginning of the log, an ephemeral one at its end.
// Back-pressure: Kafka's log is the buffer (disk, retention), so publish() does not wait for
// consumer lag here; lag() exposes it for metrics and for callers that want to throttle.
import { randomUUID } from 'node:crypto';
import kafkajs, {
  CompressionTypes,
  Kafka,
  logLevel as KafkaLogLevel,
  Partitioners,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type KafkaMessage,
  type LogEntry,
  type Producer,
} from 'kafkajs';
import type { Logger } from '../logger.js';
import { backoffDelay, retry } from '../retry.js';
import { StoreError } from '../errors.js';
import { deliver, type DeliveryObserver } from './delivery.js';
import { InHand } from './in-hand.js';
import type { Bus, BusMessage, OutgoingMessage, PartitionOffsets, SubscribeOptions, Subscription } from './types.js';

// Node's ESM view of kafkajs (CommonJS) names only some of its exports (vitest's does name all):
// the others are read off the default export.
const { ConfigResourceTypes } = kafkajs;

export interface KafkaBusOptions {
  /** host:port list; `localhost` is rewritten to 127.0.0.1 (Node may resolve it to ::1). */
  brokers: string[];
  clientId: string;
  /** Partitions for topics this bus creates. */
  partitions: number;
  logger: Logger;
  /** Replication factor for created topics; -1 takes the broker's default.replication.factor. */
  replicationFactor?: number;
  /** 'gzip' (default) is built into kafkajs; 'none' saves CPU where the network is free. */
  compression?: 'gzip' | 'none';
  /**
   * Topics sent uncompressed whatever `compression` says: small, frequent notifications (the
   * updates topic), which each of their readers would decompress again. In the Kafka bench's
   * steady phase, gzip on the updates topic was the largest single cost of the main thread.
   */
  uncompressedTopics?: string[];
  /** Start-up connection attempts, with capped exponential backoff between them. */
  connectAttempts?: number;
  /** A dead member's partitions move after this long; short so a restarted worker resumes fast. */
  sessionTimeoutMs?: number;
  /** How long an idle fetch waits on the broker; bounds idle polling, not delivery latency. */
  maxWaitTimeMs?: number;
  /**
   * Partitions of one subscription handled at once, each still strictly in order; default: all
   * of a topic's partitions, so the batches of one fetch reach the handler together (the sink
   * writes them as one insert) instead of one after another.
   */
  partitionsConcurrency?: number;
  /** Backoff for a handler that throws: first delay about baseMs, doubling up to maxMs. */
  handlerRetry?: { baseMs?: number; maxMs?: number };
  /** Default failed tries before a message is dead-lettered (SubscribeOptions.maxAttempts). */
  maxAttempts?: number;
  observer?: DeliveryObserver;
}

// Same default as the in-process bus: big batches make cheap bulk inserts downstream.
const DEFAULT_MAX_BATCH = 10_000;

/** The broker's default max.message.bytes, for a topic whose own setting cannot be read. */
const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/**
 * Splits encoded messages, in order, into parts of at most `limit` bytes counted uncompressed
 * with room for record headers: one send puts one record batch per partition, which the broker
 * refuses whole (MESSAGE_TOO_LARGE) past the topic's max.message.bytes, after compression.
 */
export function partsUnder<T extends { key: string; value: string }>(messages: T[], limit: number): T[][] {
  const parts: T[][] = [];
  let part: T[] = [], bytes = 0;
  for (const m of messages) {
    const size = Buffer.byteLength(m.key) + Buffer.byteLength(m.value) + 64;
    if (part.length > 0 && bytes + size > limit) { parts.push(part); part = []; bytes = 0; }
    part.push(m);
    bytes += size;
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

/** The parsed JSON value, or the raw string when it is not JSON (so a consumer can dead-letter it). */
export function decodeValue(raw: Buffer | null): unknown {
  if (raw === null) return null;
  const s = raw.toString('utf8');
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

function toBusMessage(topic: string, partition: number, m: KafkaMessage): BusMessage {
  return {
    topic,
    partition,
    offset: Number(m.offset),
    key: m.key ? m.key.toString('utf8') : '',
    value: decodeValue(m.value),
    timestamp: Number(m.timestamp),
  };
}

/** kafkajs log entries into pino; its INFO chatter (joins, leaves) becomes debug. */
function logCreator(logger: Logger) {
  const kafkaLog = logger.child({ component: 'kafkajs' });
  return () => ({ namespace, level, log }: LogEntry) => {
    const { message, timestamp: _ts, logger: _l, ...extra } = log as LogEntry['log'] & { logger?: string };
    const fields = { ns: namespace, ...extra };
    // A rejoin after a rebalance is routine, and a refused connection is retried (and logged by
    // us when it matters); kafkajs reports both as errors.
    if (level === KafkaLogLevel.ERROR && /rebalanc|re-join/i.test(message)) kafkaLog.info(fields, message);
    else if (namespace === 'Connection' || namespace === 'BrokerPool') kafkaLog.debug(fields, message);
    else if (level === KafkaLogLevel.ERROR || level === KafkaLogLevel.NOTHING) kafkaLog.error(fields, message);
    else if (level === KafkaLogLevel.WARN) kafkaLog.warn(fields, message);
    else kafkaLog.debug(fields, message);
  };
}

/** Kafka marks its transient errors (leader moves, metadata not yet propagated) as retriable. */
const isRetriable = (err: unknown) => (err as { retriable?: boolean }).retriable === true;

export class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly log: Logger;
  private readonly ensured = new Set<string>();
  private readonly subs = new Set<KafkaSubscription>();
  private readonly maxMessageBytes = new Map<string, Promise<number>>();
  private connecting: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly o: KafkaBusOptions) {
    if (o.brokers.length === 0) throw new StoreError('kafka', 'no brokers configured');
    // We pass the partitioner explicitly; this only silences kafkajs's v2 migration notice.
    process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
    this.log = o.logger.child({ component: 'kafka-bus' });
    this.kafka = new Kafka({
      clientId: o.clientId,
      brokers: o.brokers.map((b) => b.replace(/^localhost(?=:|$)/, '127.0.0.1')),
      logLevel: KafkaLogLevel.INFO,
      logCreator: logCreator(o.logger),
      connectionTimeout: 3000,
      // Client-level retries govern connecting; keep them short so start-up goes through our own
      // logged backoff (connect()) instead of retrying silently inside kafkajs.
      retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 2 },
    });
    this.producer = this.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      // One request in flight per broker: a retried request cannot overtake a later one, so
      // per-key order survives retries without kafkajs's idempotent mode (which has known
      // sequence-number bugs under concurrent sends); duplicates are removed downstream by eventId.
      maxInFlightRequests: 1,
      // Enough to ride out a broker restart (a few seconds) inside one send.
      retry: { initialRetryTime: 100, maxRetryTime: 3000, retries: 8 },
    });
    // Few retries: start-up wraps admin calls in its own logged backoff (connect), and lag() is
    // polled for metrics, where a quick failure beats a stalled scrape.
    this.admin = this.kafka.admin({ retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 2 } });
  }

  /** Connects producer and admin, retrying with capped backoff; every other call awaits it. */
  connect(): Promise<void> {
    if (this.closed) return Promise.reject(new StoreError('kafka', 'bus is closed'));
    this.connecting ??= retry(
      async () => {
        await this.admin.connect();
        await this.producer.connect();
        // A metadata round trip proves the broker answers, not just that a socket opened.
        await this.admin.listTopics();
      },
      { what: `kafka ${this.o.brokers.join(',')}`, logger: this.log, attempts: this.o.connectAttempts ?? 10, baseMs: 500, maxMs: 10_000 },
    ).then(
      () => this.log.info({ brokers: this.o.brokers }, 'connected to kafka'),
      (err) => {
        this.connecting = null;
        throw new StoreError('kafka', `cannot reach brokers ${this.o.brokers.join(',')}: ${(err as Error).message}`, err);
      },
    );
    return this.connecting;
  }

  async ensureTopics(topics: string[]): Promise<void> {
    const missing = [...new Set(topics)].filter((t) => !this.ensured.has(t));
    if (missing.length === 0) return;
    await this.connect();
    // A broker that has just started (or is busy) can answer the leader wait of a new topic with
    // a retriable error such as UNKNOWN_TOPIC_OR_PARTITION: look again rather than fail start-up.
    await retry(async () => {
      const existing = new Set(await this.admin.listTopics());
      const toCreate = missing.filter((t) => !existing.has(t));
      if (toCreate.length > 0) {
        try {
          await this.admin.createTopics({
            waitForLeaders: true,
            topics: toCreate.map((topic) => ({ topic, numPartitions: this.o.partitions, replicationFactor: this.o.replicationFactor ?? -1 })),
          });
          this.log.info({ topics: toCreate, partitions: this.o.partitions }, 'created topics');
        } catch (err) {
          // Another process may have created them between listTopics and createTopics.
          if ((err as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS' && !/already exists/i.test(String((err as Error).message))) throw err;
        }
      }
      const present = missing.filter((t) => existing.has(t));
      if (present.length > 0) {
        const { topics: meta } = await this.admin.fetchTopicMetadata({ topics: present });
        for (const t of meta) {
          // Growing partitions would move keys to new partitions and break per-key order; say so.
          if (t.partitions.length !== this.o.partitions) {
            this.log.warn({ topic: t.name, has: t.partitions.length, configured: this.o.partitions }, 'topic exists with a different partition count; keeping it');
          }
        }
      }
    }, { what: 'kafka topics', logger: this.log, attempts: 6, baseMs: 200, maxMs: 2000, retryable: isRetriable });
    for (const t of missing) this.ensured.add(t);
  }

  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    if (this.closed) throw new StoreError('kafka', 'publish on a closed bus');
    await this.connect();
    const encoded = messages.map((m) => ({ key: m.key, value: JSON.stringify(m.value) }));
    // Parts go one after another, so per-key order holds across them (a 20,000-item request
    // of long products was one 12 MB send, which the broker refused).
    const limit = Math.floor((await this.topicMaxMessageBytes(topic)) * 0.9);
    const compression = this.o.compression === 'none' || this.o.uncompressedTopics?.includes(topic) ? CompressionTypes.None : CompressionTypes.GZIP;
    for (const part of partsUnder(encoded, limit)) {
      await this.producer.send({ topic, acks: -1, compression, messages: part });
    }
  }

  /** The topic's max.message.bytes (its own, else the broker's), read once per topic. */
  private topicMaxMessageBytes(topic: string): Promise<number> {
    let known = this.maxMessageBytes.get(topic);
    if (!known) {
      known = this.admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }] })
        .then((r) => Number(r.resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue) || KAFKA_DEFAULT_MAX_MESSAGE_BYTES)
        .catch((err: Error) => {
          this.maxMessageBytes.delete(topic); // asked again next time
          this.log.warn({ topic, err: err.message }, 'cannot read max.message.bytes; assuming the broker default');
          return KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
        });
      this.maxMessageBytes.set(topic, known);
    }
    return known;
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    if (this.closed) throw new StoreError('kafka', 'subscribe on a closed bus');
    await this.connect();
    await this.ensureTopics(options.topics);
    // A broker that has just started may have no group coordinator yet; the consumer then gives
    // up ("Failed to find group coordinator") before it is ready. Start a fresh member instead.
    return retry(async () => {
      const sub = new KafkaSubscription(this.kafka, options, this.o, this.log, (t, m) => this.publish(t, m), () => this.subs.delete(sub));
      this.subs.add(sub);
      try {
        await sub.start();
        await sub.ready;
        return sub;
      } catch (err) {
        await sub.close().catch(() => undefined);
        throw err;
      }
    }, { what: `kafka subscription ${options.groupId}`, logger: this.log, attempts: this.o.connectAttempts ?? 10, baseMs: 500, maxMs: 5000, retryable: () => !this.closed });
  }

  async ping(): Promise<void> {
    await this.connect();
    await this.admin.describeCluster();
  }

  async lag(groupId: string, topic: string): Promise<number> {
    return (await this.offsets(groupId, topic)).reduce((n, p) => n + Math.max(0, p.end - p.committed), 0);
  }

  async offsets(groupId: string, topic: string): Promise<PartitionOffsets[]> {
    await this.connect();
    // Just after a topic is created (or a leader moves) the cached metadata can point at a broker
    // that is not the leader yet: refresh it and ask again, for errors Kafka calls retriable.
    const [ends, committed] = await retry(async (attempt) => {
      if (attempt > 1) await this.admin.fetchTopicMetadata({ topics: [topic] });
      return Promise.all([this.admin.fetchTopicOffsets(topic), this.admin.fetchOffsets({ groupId, topics: [topic] })]);
    }, { what: `kafka offsets of ${topic}`, logger: this.log, attempts: 6, baseMs: 100, maxMs: 1000, retryable: isRetriable });
    const done = new Map<number, number>();
    for (const p of committed.find((c) => c.topic === topic)?.partitions ?? []) done.set(p.partition, Number(p.offset));
    return ends.map((p) => {
      const c = done.get(p.partition) ?? -1;
      // No commit yet: the group would start at the log's beginning.
      return { partition: p.partition, committed: c >= 0 ? c : Number(p.low), end: Number(p.high) };
    }).sort((a, b) => a.partition - b.partition);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.subs].map((s) => s.close()));
    if (this.connecting) {
      await this.connecting.catch(() => undefined);
      await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
    }
    this.log.info('kafka bus closed');
  }
}

/** One partition's batches in the handler's hands, in the generation that handed them over. */
interface PartitionWork {
  topic: string; partition: number; generation: number; inHand: InHand;
  /** Set once a batch stopped unfinished: nothing more is handed over until it has sought back. */
  recovering: Promise<void> | null;
}

class KafkaSubscription implements Subscription {
  ready: Promise<void>;
  private readonly consumer: Consumer;
  private readonly groupId: string;
  private readonly ephemeral: boolean;
  private readonly abort = new AbortController();
  private readonly log: Logger;
  private resolveReady!: () => void;
  private rejectReady!: (err: Error) => void;
  private joined = false;
  private isReady = false;
  private closing: Promise<void> | null = null;
  /** Set once close() begins: no batch is handed over after it. */
  private stopping = false;
  /** Bumped on every join: batches handed over before it commit nothing (kafkajs refetches from the committed offsets). */
  private generation = 0;
  private readonly parts = new Map<string, PartitionWork>();
  /** Offsets finished since the last commit, per partition, and the commit under way. */
  private readonly toCommit = new Map<string, { topic: string; partition: number; offset: number }>();
  private committing: Promise<void> | null = null;
  /** Consecutive crashes kafkajs gave up on (reset by a join), and the restart waiting or under way. */
  private crashes = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private restarting: Promise<void> | null = null;

  constructor(
    kafka: Kafka,
    private readonly s: SubscribeOptions,
    private readonly o: KafkaBusOptions,
    log: Logger,
    private readonly publish: (topic: string, messages: OutgoingMessage[]) => Promise<void>,
    private readonly onClosed: () => void,
  ) {
    this.ephemeral = s.ephemeral === true;
    // An ephemeral reader gets a group of its own: it sees every message and commits nothing.
    this.groupId = this.ephemeral ? `${s.groupId}.ephemeral.${randomUUID()}` : s.groupId;
    this.log = log.child({ groupId: this.groupId, topics: s.topics });
    const sessionTimeout = o.sessionTimeoutMs ?? 10_000;
    this.consumer = kafka.consumer({
      groupId: this.groupId,
      sessionTimeout,
      heartbeatInterval: Math.max(100, Math.min(3000, Math.floor(sessionTimeout / 5))),
      rebalanceTimeout: 30_000,
      maxWaitTimeInMs: o.maxWaitTimeMs ?? 250,
      // Room for thousands of events per partition per fetch, so handlers get large batches.
      maxBytesPerPartition: 4 * 1024 * 1024,
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 100, maxRetryTime: 3000, retries: 8 },
    });
    this.ready = new Promise<void>((res, rej) => {
      this.resolveReady = res;
      this.rejectReady = rej;
    });
    // Callers may never await ready (or close first); don't let that become an unhandled rejection.
    this.ready.catch(() => undefined);
    const ev = this.consumer.events;
    this.consumer.on(ev.GROUP_JOIN, (e) => {
      this.joined = true;
      this.crashes = 0;
      this.generation++;
      this.toCommit.clear();
      this.s.onAssigned?.();
      this.log.debug({ memberId: e.payload.memberId, assignment: e.payload.memberAssignment }, 'joined group');
    });
    // Ready after the first fetch that follows the join: by then the start offsets are resolved
    // (for an ephemeral reader, the log end), so anything published afterwards is delivered.
    this.consumer.on(ev.FETCH, () => {
      if (this.joined && !this.isReady) {
        this.isReady = true;
        this.resolveReady();
      }
    });
    this.consumer.on(ev.CRASH, (e) => {
      const { error, restart } = e.payload;
      this.log.error({ err: error.message, restart }, 'kafka consumer crashed');
      if (restart || this.stopping) return;
      // Before the first join, subscribe() starts a fresh member instead.
      if (!this.isReady) this.rejectReady(new StoreError('kafka', `consumer for ${this.groupId} crashed: ${error.message}`, error));
      else this.restartLater();
    });
  }

  /**
   * kafkajs stops a consumer for good on an error it does not call retriable, and one such error
   * comes with every broker restart that is slow to load its groups: "Failed to find group
   * coordinator" after well under a second of lookups. The member would then stay out of its
   * group and consume nothing more while the process carries on, so it is started again, with
   * capped backoff, until it rejoins or the subscription closes.
   */
  private restartLater(): void {
    if (this.stopping || this.restartTimer) return;
    const delayMs = backoffDelay(++this.crashes, 500, 10_000);
    this.log.warn({ attempt: this.crashes, delayMs }, 'kafka consumer stopped; starting it again');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopping) return;
      // run() reconnects and rejoins; a failure in it crashes the consumer again, which lands here.
      this.restarting = this.run().catch((err) => {
        this.log.warn({ err: (err as Error).message }, 'kafka consumer restart failed');
        this.restartLater();
      }).finally(() => { this.restarting = null; });
    }, delayMs);
  }

  async start(): Promise<void> {
    await retry(() => this.consumer.connect(), { what: `kafka consumer ${this.groupId}`, logger: this.log, attempts: this.o.connectAttempts ?? 10, baseMs: 500, maxMs: 10_000 });
    await this.consumer.subscribe({ topics: this.s.topics, fromBeginning: !this.ephemeral });
    await this.run();
  }

  private run(): Promise<void> {
    return this.consumer.run({
      // kafkajs would commit what is resolved, which here means handed over, not handled.
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.o.partitionsConcurrency ?? this.o.partitions * this.s.topics.length,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /** Hands the batch's chunks to the handler in order, waiting while the partition has `inFlight` in hand. */
  private async eachBatch(p: EachBatchPayload): Promise<void> {
    const { batch } = p;
    const key = `${batch.topic}/${batch.partition}`;
    const maxBatch = Math.max(1, this.s.maxBatch ?? DEFAULT_MAX_BATCH);
    const room = Math.max(1, this.s.inFlight ?? 1) * maxBatch;
    let work = this.parts.get(key);
    if (work?.recovering) {
      // A batch stopped unfinished: the partition is fetched again from it (recover()).
      await work.recovering;
      return;
    }
    if (work && work.generation !== this.generation) {
      // Handed over before a rejoin, which fetches from the committed offset again: the old
      // batches settle first, so none of the partition's messages are in hand twice at once.
      await work.inHand.settled();
      if (this.parts.get(key) === work) this.parts.delete(key);
      work = undefined;
    }
    if (!work) this.parts.set(key, (work = this.partitionWork(batch.topic, batch.partition, Number(batch.firstOffset() ?? 0))));
    const { inHand } = work;
    const all = batch.messages;
    for (let i = 0; i < all.length; i += maxBatch) {
      // Back-pressure: the handler holds `inFlight` batches' worth of messages; the oldest must
      // finish first. The member heartbeats meanwhile, since kafkajs does not while eachBatch runs.
      while (inHand.held >= room && !this.stopping && !work.recovering) {
        let beat: NodeJS.Timeout | undefined;
        await Promise.race([inHand.oldest(), new Promise((r) => { beat = setTimeout(r, 1000); })]);
        clearTimeout(beat);
        if (!p.isRunning() || p.isStale()) return;
        await p.heartbeat();
      }
      if (this.stopping || work.recovering || !p.isRunning() || p.isStale()) return;
      const chunk = all.slice(i, i + maxBatch);
      const msgs = chunk.map((m) => toBusMessage(batch.topic, batch.partition, m));
      const handled = this.handleWithRetry(msgs, p, work.generation).catch((err) => {
        // A rebalance thrown by a heartbeat mid-retry: the chunk is refetched by whoever owns it next.
        this.log.warn({ partition: batch.partition, fromOffset: msgs[0].offset, err: (err as Error).message }, 'batch handling stopped');
        return false;
      });
      const w = work;
      inHand.add(Number(chunk[chunk.length - 1].offset) + 1, chunk.length, handled, (ok) => {
        // Stopping or losing the partition mid-retry: nothing from this chunk on is committed,
        // so it is the first thing whoever owns the partition next receives.
        if (!ok && !w.recovering) w.recovering = this.recover(key, w);
      });
      // Resolved so that kafkajs fetches on from here; committed only once handled (partitionWork).
      p.resolveOffset(chunk[chunk.length - 1].offset);
    }
  }

  /**
   * After a batch stopped unfinished: once the rest in hand settle, the partition is fetched
   * again from the first message not finished (kafkajs has fetched past it), unless a rejoin
   * does that anyway or the subscription is closing.
   */
  private async recover(key: string, work: PartitionWork): Promise<void> {
    await work.inHand.settled();
    if (work.generation === this.generation && !this.stopping) {
      try {
        this.consumer.seek({ topic: work.topic, partition: work.partition, offset: String(work.inHand.finished) });
      } catch (err) {
        this.log.warn({ partition: work.partition, err: (err as Error).message }, 'cannot seek back to an unfinished batch; a rejoin will');
      }
    }
    if (this.parts.get(key) === work) this.parts.delete(key);
  }

  /** A partition's work in this generation; what its handler finishes is committed, unless the group rejoined since. */
  private partitionWork(topic: string, partition: number, from: number): PartitionWork {
    const generation = this.generation;
    const inHand = new InHand(from, (finished) => {
      if (this.ephemeral || generation !== this.generation) return;
      this.toCommit.set(`${topic}/${partition}`, { topic, partition, offset: finished });
      this.commitSoon();
    });
    return { topic, partition, generation, inHand, recovering: null };
  }

  /** One commit request at a time, for all partitions that moved; what moves meanwhile goes in the next. */
  private commitSoon(): Promise<void> {
    this.committing ??= (async () => {
      while (this.toCommit.size > 0) {
        const offsets = [...this.toCommit.values()].map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) }));
        this.toCommit.clear();
        try {
          await this.consumer.commitOffsets(offsets);
        } catch (err) {
          // A rebalance refuses the commit; the new generation refetches from the last one that
          // was made, and the writes are idempotent, so this costs a replay, never a loss.
          this.log.warn({ err: (err as Error).message, offsets }, 'offset commit failed; the messages will be delivered again');
        }
      }
    })().finally(() => { this.committing = null; });
    return this.committing;
  }

  /** True once the messages are handled or set aside; false when the subscription stopped first. */
  private handleWithRetry(msgs: BusMessage[], p: EachBatchPayload, generation: number): Promise<boolean> {
    return deliver(msgs, {
      group: this.groupId, deadLetterTopic: this.s.deadLetterTopic, maxAttempts: this.s.maxAttempts ?? this.o.maxAttempts, retry: this.o.handlerRetry,
      publish: this.publish, log: this.log, observer: this.o.observer,
      handler: (batch) => this.s.handler(batch),
      pause: async (ms) => {
        // After a rejoin the partition is fetched again from its committed offset (maybe by another member).
        if (!(await this.pause(ms)) || !p.isRunning() || p.isStale() || generation !== this.generation) return false;
        // Throws on a rebalance: the batch stops unfinished (kafkajs rejoins on its own heartbeat).
        await p.heartbeat();
        return true;
      },
    });
  }

  /** Sleeps unless the subscription is closing; false when woken by close. */
  private pause(ms: number): Promise<boolean> {
    const signal = this.abort.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((res) => {
      const t = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        res(true);
      }, ms);
      const onAbort = () => {
        clearTimeout(t);
        res(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopping = true;
      this.abort.abort();
      if (this.restartTimer) clearTimeout(this.restartTimer);
      this.restartTimer = null;
      // A restart under way finishes first, so that disconnect() below stops what it started.
      await this.restarting;
      if (!this.isReady) this.rejectReady(new StoreError('kafka', `subscription ${this.groupId} closed before it was ready`));
      // The batches in hand finish (a retry stops at once) and what they finished is committed
      // while the member is still in the group; then disconnect() stops fetching and leaves the
      // group, so the partitions move at once instead of after the session timeout.
      await Promise.all([...this.parts.values()].map((w) => w.inHand.settled()));
      await this.committing;
      await this.consumer.disconnect();
      this.onClosed();
      this.log.debug('subscription closed');
    })();
    return this.closing;
  }
}
