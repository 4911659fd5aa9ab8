// The bus: the one interface between producers and consumers. The in-process bus (local.ts) and
// Kafka (kafka.ts) both implement it and pass the same contract tests (test/core/bus/contract.ts).
//
// Semantics every implementation keeps:
// - messages with the same key go to the same partition and are delivered in publish order;
// - a consumer group splits partitions between its members; each message is handled by one;
// - a batch handler that resolves commits the batch's offsets, and never those of a batch
//   after one still in hand; one that throws is retried (same batch, backoff) and nothing after
//   it in that partition is delivered meanwhile (beyond the `inFlight` batches already handed
//   over), so delivery is at-least-once and consumers make their writes idempotent; with a dead-letter
//   topic, a message that keeps failing (not for want of a dependency) is set aside there after
//   bounded tries and the partition moves on (delivery.ts);
// - publish() resolves only once the messages are durable (WAL / broker ack) and waits while
//   consumers lag too far behind (back-pressure);
// - close() stops fetching, lets in-flight handlers finish and commits what they finished.

export interface OutgoingMessage {
  key: string;
  value: unknown;
}

export interface BusMessage {
  topic: string;
  partition: number;
  offset: number;
  key: string;
  value: unknown;
  /** Milliseconds since epoch at which the bus accepted the message. */
  timestamp: number;
}

export type BatchHandler = (batch: BusMessage[]) => Promise<void>;

export interface SubscribeOptions {
  groupId: string;
  topics: string[];
  handler: BatchHandler;
  /** Largest batch handed to the handler at once. */
  maxBatch?: number;
  /**
   * An ephemeral subscription starts at the end of the log and keeps no committed offsets:
   * for fan-out readers such as the API's WebSocket gateway, which want only what is new.
   */
  ephemeral?: boolean;
  /**
   * Called when this member joins and whenever its share of partitions may have changed, before
   * a batch of the new share is handed over. A partition that comes from another process may
   * redeliver what that process wrote but did not commit, so a consumer that caches what is
   * stored (the sink's dedup filter) refreshes it here.
   */
  onAssigned?: () => void;
  /**
   * Where a message goes when its handler keeps failing on it for any reason but an unavailable
   * dependency (delivery.ts). Unset, such a message is retried for ever and holds its partition.
   */
  deadLetterTopic?: string;
  /** Failed tries before a batch is split, and before a lone message is dead-lettered (default 5). */
  maxAttempts?: number;
  /**
   * Messages of one partition in the handler's hands at once, in batches' worth: up to
   * inFlight × maxBatch (default 1, so one batch; a fetch's small batches count by their size,
   * so a trickle of them is not held back by a count while a flood stays bounded). Above 1 the next batch
   * is fetched and handed over while an earlier one is still being handled, for a handler that
   * queues batches for a write of its own (the raw sink's group commit), so a batch waits for
   * the write ahead of it only once, not for that write and then the fetch. Offsets are still
   * committed only up to the first batch not finished, so a crash replays and loses nothing;
   * but a later batch may be handled before an earlier one that failed and is retried, so only
   * for handlers whose writes do not depend on order (idempotent by id, summed).
   */
  inFlight?: number;
}

export interface Subscription {
  /** Resolves once the member has its partitions assigned and is fetching. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** Where a group stands on one partition: `committed` is the next offset it will read, `end` the next one written. */
export interface PartitionOffsets { partition: number; committed: number; end: number }

export interface Bus {
  readonly kind: 'local' | 'kafka';
  ensureTopics(topics: string[]): Promise<void>;
  publish(topic: string, messages: OutgoingMessage[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** Messages published but not yet committed by the group, summed over partitions. */
  lag(groupId: string, topic: string): Promise<number>;
  /** The group's position on each partition of the topic (a group that never committed is at the log's start). */
  offsets(groupId: string, topic: string): Promise<PartitionOffsets[]>;
  /** Resolves when the bus can serve right now (Kafka: a broker answers), for readiness probes. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
