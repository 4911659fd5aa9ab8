// Messages a consumer cannot use (not JSON, or not valid) go to the dead-letter topic with the
// reason, so the partition keeps moving and nothing is dropped in silence. Messages that are
// valid but keep failing are set aside by the bus itself (core/bus/delivery.ts).
import { deadLetterRecord } from '../core/bus/delivery.js';
import type { Bus, BusMessage } from '../core/bus/types.js';
import type { Metrics } from '../core/metrics.js';
import type { DeadLetterCode } from '../schemas/dead-letter.js';
import type { FieldError } from '../schemas/validate.js';

export interface Unusable { msg: BusMessage; code: Exclude<DeadLetterCode, 'failed'>; reason: string; errors: FieldError[] }

export async function deadLetter(bus: Bus, dlqTopic: string, metrics: Metrics, items: Unusable[]): Promise<void> {
  if (items.length === 0) return;
  await bus.publish(dlqTopic, items.map(({ msg, code, reason, errors }) => ({ key: msg.key, value: deadLetterRecord(msg, { code, reason, errors }) })));
  for (const { msg, code } of items) metrics.deadLettered.inc({ topic: msg.topic, reason: code });
}

/** Kafka delivers text; the local bus delivers objects. Either way consumers get an object or an error. */
export function parseValue(value: unknown): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (typeof value !== 'string') return { ok: true, value };
  try { return { ok: true, value: JSON.parse(value) }; } catch (err) { return { ok: false, reason: `not JSON: ${(err as Error).message}` }; }
}
