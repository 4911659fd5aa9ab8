// Postgres (metadata) schema, the single definition behind the drizzle-kit migrations in
// ./migrations. Engagement numbers live in ClickHouse; this holds what is edited, not counted.
import { sql } from 'drizzle-orm';
import { doublePrecision, index, integer, jsonb, pgTable, primaryKey, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const products = pgTable('products', {
  productId: text('product_id').primaryKey(),
  title: text('title').notNull(),
  category: text('category').notNull().default('Uncategorized'),
  brand: text('brand'),
  price: doublePrecision('price'),
  currency: text('currency'),
  imageUrl: text('image_url'),
  sourceUrl: text('source_url'),
  source: text('source'),
  tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
}, (t) => [index('products_category_idx').on(t.category)]);

export const videos = pgTable('videos', {
  videoId: text('video_id').primaryKey(),
  productId: text('product_id').notNull(),
  platform: text('platform').notNull(),
  title: text('title'),
  url: text('url'),
  creator: text('creator'),
  publishedAt: ts('published_at'),
  durationSec: integer('duration_sec'),
  hashtags: text('hashtags').array().notNull().default(sql`'{}'::text[]`),
  updatedAt: ts('updated_at').notNull().defaultNow(),
}, (t) => [index('videos_product_idx').on(t.productId)]);

export const alerts = pgTable('alerts', {
  alertId: serial('alert_id').primaryKey(),
  productId: text('product_id').notNull(),
  kind: text('kind').notNull(),
  severity: text('severity').notNull(),
  message: text('message').notNull(),
  /** Momentum (log growth per hour) of the triggering bucket. */
  value: doublePrecision('value'),
  /** One alert per product and episode (`breakout:<productId>:<episode start>`), however often it is detected. */
  dedupKey: text('dedup_key').notNull(),
  /** Event time: start of the bucket whose score triggered the alert. */
  at: ts('at').notNull(),
  /** Step of the series the alert was raised on, in seconds (3600 for live hourly engagement). */
  stepSec: integer('step_sec').notNull().default(3600),
  /** When the alert was raised (arrival time). */
  createdAt: ts('created_at').notNull().defaultNow(),
  /** Track record, filled once the outcome horizon has passed in event time: 'hit' | 'miss'; null while pending. */
  outcome: text('outcome'),
  /** Weighted engagement over the horizon before and after the alert's bucket. */
  baseline: doublePrecision('baseline'),
  after: doublePrecision('after'),
  /** Bucket of peak engagement within the peak horizon after the alert, and its distance from `at`. */
  peakAt: ts('peak_at'),
  leadTimeSec: integer('lead_time_sec'),
  evaluatedAt: ts('evaluated_at'),
}, (t) => [uniqueIndex('alerts_dedup_idx').on(t.dedupKey), index('alerts_created_idx').on(t.createdAt), index('alerts_at_idx').on(t.at)]);

/**
 * Webhook outbox: one row per alert to deliver, written in the same transaction as the alert, so
 * a delivery survives restarts and is attempted until it succeeds or gives up.
 */
export const alertDeliveries = pgTable('alert_deliveries', {
  alertId: integer('alert_id').primaryKey().references(() => alerts.alertId, { onDelete: 'cascade' }),
  /** 'pending' | 'delivered' | 'failed' (gave up after the last attempt). */
  status: text('status').notNull().default('pending'),
  attempts: integer('attempts').notNull().default(0),
  nextAttemptAt: ts('next_attempt_at').notNull().defaultNow(),
  lastStatusCode: integer('last_status_code'),
  lastError: text('last_error'),
  deliveredAt: ts('delivered_at'),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [index('alert_deliveries_due_idx').on(t.status, t.nextAttemptAt)]);

export const watchlists = pgTable('watchlists', {
  watchlistId: serial('watchlist_id').primaryKey(),
  name: text('name').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export const watchlistItems = pgTable('watchlist_items', {
  watchlistId: integer('watchlist_id').notNull().references(() => watchlists.watchlistId, { onDelete: 'cascade' }),
  productId: text('product_id').notNull(),
  addedAt: ts('added_at').notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.watchlistId, t.productId] })]);

/** One row per discovery run, written when it starts and again when it ends. */
export const agentRuns = pgTable('agent_runs', {
  runId: text('run_id').primaryKey(),
  source: text('source').notNull(),
  trigger: text('trigger').notNull(),
  status: text('status').notNull(),
  startedAt: ts('started_at').notNull(),
  endedAt: ts('ended_at'),
  itemsFound: integer('items_found').notNull().default(0),
  newProducts: integer('new_products').notNull().default(0),
  productsSent: integer('products_sent').notNull().default(0),
  eventsSent: integer('events_sent').notNull().default(0),
  videosSent: integer('videos_sent').notNull().default(0),
  changes: jsonb('changes').$type<Record<string, number>>().notNull().default({}),
  errors: jsonb('errors').$type<{ message: string; code?: string; context?: Record<string, unknown> }[]>().notNull().default([]),
}, (t) => [index('agent_runs_started_idx').on(t.startedAt), index('agent_runs_source_idx').on(t.source, t.startedAt)]);
