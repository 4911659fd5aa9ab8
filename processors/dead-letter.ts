// Messages a consumer cannot use go to the dead-letter topic with the reason, so the
// partition keeps moving and nothing is dropped in silence.
import type { Bus, BusMessage } from '../core/bus/types.js';
import type { Metrics } from '../core/metrics.js';
import type { FieldError } from '../schemas/validate.js';

export interface DeadLetter { sourceTopic: string; partition: number; offset: number; key: string; value: unknown; reason: string; errors: FieldError[]; at: string }

export async function deadLetter(bus: Bus, dlqTopic: string, metrics: Metrics, items: { msg: BusMessage; reason: string; errors: FieldError[] }[]): Promise<void> {
  if (items.length === 0) return;
  const at = new Date().toISOString();
  await bus.publish(dlqTopic, items.map(({ msg, reason, errors }) => ({
    key: msg.key,
    value: { sourceTopic: msg.topic, partition: msg.partition, offset: msg.offset, key: msg.key, value: msg.value, reason, errors, at } satisfies DeadLetter,
  })));
  for (const { msg } of items) metrics.deadLettered.inc({ topic: msg.topic });
}

/** Kafka delivers text; the local bus delivers objects. Either way consumers get an object or an error. */
export function parseValue(value: unknown): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (typeof value !== 'string') return { ok: true, value };
  try { return { ok: true, value: JSON.parse(value) }; } catch (err) { return { ok: false, reason: `not JSON: ${(err as Error).message}` }; }
}
