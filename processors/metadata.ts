// Metadata upserts: product and video messages into Postgres (the source of truth), and the
// product dimension into ClickHouse for analytics joins. Upserts make replays harmless.
import { sql } from 'drizzle-orm';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Bus, BusMessage, Subscription } from '../core/bus/types.js';
import type { Topics } from '../core/bus/topics.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import { slices, type Db } from '../core/stores/postgres.js';
import type { ProductMessage, VideoMessage } from '../schemas/events.js';
import { products, videos } from '../schemas/postgres/schema.js';
import type { ProductsUpdate } from '../schemas/updates.js';
import { validateProduct, validateVideo, type Validated } from '../schemas/validate.js';
import { deadLetter, parseValue, type Unusable } from './dead-letter.js';
import { TABLES } from '../schemas/clickhouse/tables.js';

export interface MetadataDeps { bus: Bus; topics: Topics; db: Db; ch: ClickHouseClient; clock: Clock; logger: Logger; metrics: Metrics }

export const METADATA_GROUP = 'trenddrop-metadata';

/** Keeps the last message per id: within one batch, later messages win, as they would one by one. */
function lastById<T>(items: T[], id: (t: T) => string): T[] {
  const m = new Map<string, T>();
  for (const it of items) m.set(id(it), it);
  return [...m.values()];
}

export class MetadataProcessor {
  private sub: Subscription | null = null;
  constructor(private readonly d: MetadataDeps) {}

  async start(): Promise<void> {
    this.sub = await this.d.bus.subscribe({ groupId: METADATA_GROUP, topics: [this.d.topics.products, this.d.topics.videos], handler: (b) => this.handle(b), maxBatch: 2000, deadLetterTopic: this.d.topics.dlq });
    await this.sub.ready;
  }

  private split<T>(batch: BusMessage[], validate: (v: unknown) => Validated<T>) {
    const ok: T[] = [];
    const bad: Unusable[] = [];
    for (const msg of batch) {
      const parsed = parseValue(msg.value);
      if (!parsed.ok) { bad.push({ msg, code: 'not_json', reason: parsed.reason, errors: [] }); continue; }
      const v = validate(parsed.value);
      if (v.ok) ok.push(v.value);
      else bad.push({ msg, code: 'invalid', reason: `invalid ${msg.topic}`, errors: v.errors });
    }
    return { ok, bad };
  }

  private async handle(batch: BusMessage[]): Promise<void> {
    const topic = batch[0].topic;
    if (topic === this.d.topics.products) {
      const { ok, bad } = this.split(batch, validateProduct);
      await deadLetter(this.d.bus, this.d.topics.dlq, this.d.metrics, bad);
      await this.upsertProducts(lastById(ok, (p) => p.productId));
    } else {
      const { ok, bad } = this.split(batch, validateVideo);
      await deadLetter(this.d.bus, this.d.topics.dlq, this.d.metrics, bad);
      await this.upsertVideos(lastById(ok, (v) => v.videoId));
    }
  }

  async upsertProducts(items: ProductMessage[]): Promise<void> {
    if (items.length === 0) return;
    const now = new Date(this.d.clock.now());
    const rows = items.map((p) => ({
      productId: p.productId, title: p.title, category: p.category ?? 'Uncategorized', brand: p.brand ?? null,
      price: p.price ?? null, currency: p.currency ?? null, imageUrl: p.imageUrl ?? null, sourceUrl: p.sourceUrl ?? null,
      source: p.source ?? null, tags: p.tags ?? [], updatedAt: now,
    }));
    for (const some of slices(rows)) await this.d.db.insert(products).values(some).onConflictDoUpdate({
      target: products.productId,
      set: {
        title: sql`excluded.title`, category: sql`excluded.category`, brand: sql`excluded.brand`, price: sql`excluded.price`,
        currency: sql`excluded.currency`, imageUrl: sql`excluded.image_url`, sourceUrl: sql`excluded.source_url`,
        source: sql`excluded.source`, tags: sql`excluded.tags`, updatedAt: sql`excluded.updated_at`,
      },
    });
    await this.d.ch.insert({
      table: TABLES.products, format: 'JSONEachRow',
      values: rows.map((r) => ({ productId: r.productId, title: r.title, category: r.category, brand: r.brand ?? '', price: r.price, currency: r.currency ?? '', imageUrl: r.imageUrl ?? '', source: r.source ?? '', tags: r.tags, updatedAt: now.getTime() })),
    });
    const update: ProductsUpdate = { kind: 'products', productIds: rows.map((r) => r.productId) };
    await this.d.bus.publish(this.d.topics.updates, [{ key: 'products', value: update }]);
  }

  async upsertVideos(items: VideoMessage[]): Promise<void> {
    if (items.length === 0) return;
    const now = new Date(this.d.clock.now());
    for (const some of slices(items)) await this.d.db.insert(videos).values(some.map((v) => ({
      videoId: v.videoId, productId: v.productId, platform: v.platform, title: v.title ?? null, url: v.url ?? null,
      creator: v.creator ?? null, publishedAt: v.publishedAt ? new Date(v.publishedAt) : null, durationSec: v.durationSec ?? null,
      hashtags: v.hashtags ?? [], updatedAt: now,
    }))).onConflictDoUpdate({
      target: videos.videoId,
      set: {
        productId: sql`excluded.product_id`, platform: sql`excluded.platform`, title: sql`excluded.title`, url: sql`excluded.url`,
        creator: sql`excluded.creator`, publishedAt: sql`excluded.published_at`, durationSec: sql`excluded.duration_sec`,
        hashtags: sql`excluded.hashtags`, updatedAt: sql`excluded.updated_at`,
      },
    });
  }

  async stop(): Promise<void> { await this.sub?.close(); }
}
