// Ingest: turns a request body (one object, an array, or NDJSON lines) into validated
// messages on the bus. Every rejected item is reported with its index, field and reason; the
// valid items of a mixed batch are published, and publish() resolves only once they are durable.
import type { Bus } from '../core/bus/types.js';
import type { Topics } from '../core/bus/topics.js';
import { ValidationError } from '../core/errors.js';
import type { Metrics } from '../core/metrics.js';
import type { EngagementEvent, ProductMessage, VideoMessage } from '../schemas/events.js';
import { checkEvent, validateProduct, validateVideo, type FieldError, type Validated } from '../schemas/validate.js';

export const INGEST_LIMITS = {
  /** Bytes per request body; larger bodies get a 413. */
  bodyBytes: 16 * 1024 * 1024,
  /** Items per request; more get a 413. */
  batchItems: 20_000,
} as const;

export interface Rejected extends FieldError { index: number }
export interface AcceptResult { accepted: number; rejected: Rejected[] }

export type IngestKind = 'events' | 'products' | 'videos';

/**
 * Splits a body into items: a parsed JSON value, or NDJSON text with one object per line.
 * `indexes[i]` is the request index of `values[i]`, null when each item is at its own index (an
 * array, the usual body, is used in place: a copy per item was garbage the size of the batch).
 */
export function itemsOf(body: unknown): { values: readonly unknown[]; indexes: number[] | null; rejected: Rejected[] } {
  if (Array.isArray(body)) return { values: body, indexes: null, rejected: [] };
  if (typeof body !== 'string') return { values: [body], indexes: null, rejected: [] };
  const values: unknown[] = [];
  const indexes: number[] = [];
  const rejected: Rejected[] = [];
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    try {
      const value = JSON.parse(line);
      indexes.push(values.length + rejected.length);
      values.push(value);
    } catch (err) {
      rejected.push({ index: values.length + rejected.length, field: '', reason: `line ${i + 1} is not JSON: ${(err as Error).message}` });
    }
  }
  return { values, indexes, rejected };
}

type Check = (v: unknown) => Validated<{ productId: string }>;
const checks: Record<IngestKind, Check> = {
  events: checkEvent as Check,
  products: validateProduct as Check,
  videos: validateVideo as Check,
};

export class Ingestor {
  constructor(private readonly bus: Bus, private readonly topics: Topics, private readonly metrics: Metrics) {}

  /**
   * Validates and publishes. Throws ValidationError (400) when nothing is valid, or (413)
   * when the batch is larger than the documented limit; otherwise reports the rejects.
   */
  async accept(kind: IngestKind, body: unknown): Promise<AcceptResult> {
    const { values, indexes, rejected } = itemsOf(body);
    if (values.length + rejected.length > INGEST_LIMITS.batchItems) {
      throw new ValidationError(`at most ${INGEST_LIMITS.batchItems} items per request`, [{ field: '', reason: `got ${values.length + rejected.length} items` }], 413);
    }
    const valid: { key: string; value: unknown }[] = [];
    const check = checks[kind];
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      const v = check(value);
      if (v.ok) valid.push({ key: v.value.productId, value }); // the topic carries the documented JSON as sent
      else for (const e of v.errors) rejected.push({ index: indexes ? indexes[i] : i, ...e });
    }
    this.metrics.rejected.inc({ kind }, new Set(rejected.map((r) => r.index)).size);
    if (valid.length === 0) {
      throw new ValidationError(values.length + rejected.length === 0 ? 'the request has no items' : `no valid ${kind} in the request`, rejected.length ? rejected : [{ field: '', reason: 'body is empty' }]);
    }
    await this.bus.publish(this.topics[kind === 'events' ? 'engagement' : kind], valid);
    this.metrics.accepted.inc({ kind }, valid.length);
    return { accepted: valid.length, rejected };
  }

  /** Typed publishing for trusted in-process producers (simulator, agent). */
  publishEvents(events: EngagementEvent[]): Promise<void> {
    return this.bus.publish(this.topics.engagement, events.map((e) => ({ key: e.productId, value: e })));
  }
  publishProducts(products: ProductMessage[]): Promise<void> {
    return this.bus.publish(this.topics.products, products.map((p) => ({ key: p.productId, value: p })));
  }
  publishVideos(videos: VideoMessage[]): Promise<void> {
    return this.bus.publish(this.topics.videos, videos.map((v) => ({ key: v.productId, value: v })));
  }
}
