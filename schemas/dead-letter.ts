// Messages on the dead-letter topic (dlq.v1): what a consumer set aside, with why, so nothing
// is dropped in silence and an operator can fix and replay it. Public: any Kafka client may read
// the topic.
import type { FieldError } from './validate.js';

/**
 * `invalid`: fails the message schema (`errors` names each field); `not_json`: not JSON at
 * all; `failed`: valid, but its handler kept failing on it (`error`, after `attempts` tries).
 */
export type DeadLetterCode = 'invalid' | 'not_json' | 'failed';

export interface DeadLetter {
  sourceTopic: string;
  partition: number;
  offset: number;
  key: string;
  /** The message as it was read: parsed JSON, or the raw text when it is not JSON. */
  value: unknown;
  code: DeadLetterCode;
  /** One line for a person. */
  reason: string;
  errors: FieldError[];
  /** For `failed`: the last error of the handler. */
  error?: { name: string; code?: string; message: string };
  attempts?: number;
  /** Consumer group that set it aside. */
  group?: string;
  at: string;
}
