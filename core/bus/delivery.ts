// What a consumer does with a batch its handler rejects; the same on both buses, so a poison
// message behaves alike in the embedded and the distributed form:
// - a transient failure (a store or broker unavailable: core/errors.ts isTransient) is retried
//   with capped backoff until it passes; the partition waits and nothing is set aside;
// - any other failure is retried up to `maxAttempts` times; then the batch is split in halves
//   and each half handled on its own, down to the message that fails alone, which goes to the
//   dead-letter topic with its error after `maxAttempts` tries of its own. Its neighbours are
//   handled and the partition moves on.
// Without a dead-letter topic (readers that must never skip a message) every failure is retried.
import { isTransient, rootMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import { backoffDelay } from '../retry.js';
import type { DeadLetter } from '../../schemas/dead-letter.js';
import type { BatchHandler, BusMessage, OutgoingMessage } from './types.js';

export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_HANDLER_RETRY = { baseMs: 100, maxMs: 5000 };

/** What consumers go through, for metrics and readiness (core/consumer-health.ts). */
export interface DeliveryObserver {
  failed(e: { group: string; topic: string; partition: number; offset: number; count: number; attempt: number; transient: boolean; err: unknown }): void;
  /** The partition moved on after failures (handled, or the culprit set aside). */
  recovered(e: { group: string; topic: string; partition: number }): void;
  deadLettered(e: { group: string; topic: string; code: DeadLetter['code'] }): void;
}

export interface Delivery {
  group: string;
  handler: BatchHandler;
  deadLetterTopic?: string;
  maxAttempts?: number;
  retry?: { baseMs?: number; maxMs?: number };
  publish(topic: string, messages: OutgoingMessage[]): Promise<void>;
  /** Waits ms; resolves false when the subscription stops or loses the partition meanwhile. */
  pause(ms: number): Promise<boolean>;
  log: Logger;
  observer?: DeliveryObserver;
}

export function deadLetterRecord(msg: BusMessage, fields: Pick<DeadLetter, 'code' | 'reason'> & Partial<DeadLetter>): DeadLetter {
  return { sourceTopic: msg.topic, partition: msg.partition, offset: msg.offset, key: msg.key, value: msg.value, errors: [], at: new Date().toISOString(), ...fields };
}

/** The innermost error: its class, code (ClickHouse type, SQLSTATE, errno) and message. */
const describe = (err: unknown): NonNullable<DeadLetter['error']> => {
  let e = err as { name?: unknown; code?: unknown; type?: unknown; cause?: unknown } | null;
  while (e?.cause instanceof Error) e = e.cause as typeof e;
  const code = typeof e?.type === 'string' ? e.type : e?.code !== undefined && e?.code !== null ? String(e.code) : undefined;
  return { name: typeof e?.name === 'string' ? e.name : 'Error', ...(code ? { code } : {}), message: rootMessage(err) };
};

/**
 * Handles a batch until every message is handled or set aside. Resolves true then, false when
 * the subscription stopped (or lost the partition) first: the caller must not commit the batch.
 */
export async function deliver(batch: BusMessage[], d: Delivery): Promise<boolean> {
  const maxAttempts = Math.max(1, d.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  const baseMs = d.retry?.baseMs ?? DEFAULT_HANDLER_RETRY.baseMs, maxMs = d.retry?.maxMs ?? DEFAULT_HANDLER_RETRY.maxMs;
  const { topic, partition } = batch[0];
  let failedOnce = false;

  /** `splitAfter`: failures (not transient) after which a batch of several is split. */
  const run = async (msgs: BusMessage[], splitAfter: number): Promise<boolean> => {
    let permanent = 0;
    for (let attempt = 1; ; attempt++) {
      let err: unknown;
      try {
        await d.handler(msgs);
        return true;
      } catch (e) {
        err = e;
      }
      failedOnce = true;
      const transient = isTransient(err);
      if (!transient) permanent++;
      d.observer?.failed({ group: d.group, topic, partition, offset: msgs[0].offset, count: msgs.length, attempt, transient, err });
      if (d.deadLetterTopic && permanent >= (msgs.length > 1 ? splitAfter : maxAttempts)) {
        if (msgs.length === 1) return setAside(msgs[0], err, permanent);
        const half = msgs.length >> 1;
        // Each half is tried once before it is split again: the failure is already known to repeat.
        return (await run(msgs.slice(0, half), 1)) && run(msgs.slice(half), 1);
      }
      const delayMs = backoffDelay(attempt, baseMs, maxMs);
      d.log[transient ? 'warn' : 'error']({
        group: d.group, topic, partition, fromOffset: msgs[0].offset, count: msgs.length, attempt, transient, delayMs, err: rootMessage(err),
      }, transient ? 'a dependency is unavailable; retrying the same messages' : 'batch handler failed; retrying the same messages');
      if (!(await d.pause(delayMs))) return false;
    }
  };

  const setAside = async (msg: BusMessage, err: unknown, attempts: number): Promise<boolean> => {
    const error = describe(err);
    const record = deadLetterRecord(msg, { code: 'failed', reason: `handler failed ${attempts} times: ${error.message}`, error, attempts, group: d.group });
    for (let attempt = 1; ; attempt++) {
      try {
        await d.publish(d.deadLetterTopic!, [{ key: msg.key, value: record }]);
        break;
      } catch (publishErr) {
        d.log.warn({ group: d.group, topic, partition, offset: msg.offset, attempt, err: rootMessage(publishErr) }, 'dead-letter publish failed; retrying');
        if (!(await d.pause(backoffDelay(attempt, baseMs, maxMs)))) return false;
      }
    }
    d.log.error({ group: d.group, topic, partition, offset: msg.offset, key: msg.key, attempts, err: error.message }, 'message set aside on the dead-letter topic');
    d.observer?.deadLettered({ group: d.group, topic, code: 'failed' });
    return true;
  };

  const done = await run(batch, maxAttempts);
  if (done && failedOnce) d.observer?.recovered({ group: d.group, topic, partition });
  return done;
}
