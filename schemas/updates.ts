// Messages on the updates topic: what processors tell the API after each write, for the
// WebSocket gateway and cache invalidation. Internal, but versioned with the topic (updates.v1).
import type { Metric } from './events.js';

export type Totals = Record<Metric | 'events', number>;

/** A literal, not built from METRICS: the object then has a fixed shape, which the sink's per-event sums read fast (the type keeps the fields in step with METRICS). */
export const emptyTotals = (): Totals => ({ views: 0, likes: 0, shares: 0, comments: 0, orders: 0, revenue: 0, searches: 0, events: 0 });

/**
 * The counts a batch of new events adds, per product, published by the raw sink as soon as the
 * batch is deduplicated, before its write (the live figures do not wait for the rollup views).
 * Its events are then stored by a write that an EngagementStoredUpdate reports; each event is in
 * one EngagementUpdate, unless a crash cuts in between the two (then it may be in two).
 */
export interface EngagementUpdate {
  kind: 'engagement';
  /** Earliest bus acceptance time in the batch: freshness is measured from it. */
  acceptedAt: number;
  /** When the bus handed the sink the batch (the bench splits latency by stage with it). */
  deliveredAt: number;
  /** When the sink published it (added field; replaces writtenAt, which the stored update now carries). */
  announcedAt: number;
  lastEventAt: string;
  /** Per product: the counts this batch adds, and the minute bucket of its latest event. */
  products: Record<string, { delta: Totals; bucketTs: string }>;
}
/**
 * A write of the raw sink is stored, rollups included (added kind): reads now see it, so caches
 * and the overview refresh on it.
 */
export interface EngagementStoredUpdate {
  kind: 'engagement-stored';
  /** Earliest bus acceptance and delivery times among the write's batches. */
  acceptedAt: number;
  deliveredAt: number;
  /** When the write began (after the wait behind the write before it) and ended. */
  startedAt: number;
  writtenAt: number;
  lastEventAt: string;
  /** Products first seen in events: the sink stored a placeholder product row for each. */
  newProducts: string[];
}
export interface ProductsUpdate { kind: 'products'; productIds: string[] }
/** `at`: event time of the bucket each score covers (added field). */
export interface ScoresUpdate { kind: 'scores'; items: { productId: string; score: number; label: string; velocity: number; at?: string }[] }
/** Products whose lifecycle stage the forecaster stored (added kind). */
export interface LifecycleUpdate { kind: 'lifecycle'; productIds: string[] }
/** A breakout alert as stored, with its product's title (null: no metadata for the product). */
export interface AlertUpdate { kind: 'alert'; alert: Record<string, unknown> & { productId: string; title: string | null } }
export interface AgentUpdate { kind: 'agent'; status: string; run: Record<string, unknown> | null }

export type Update = EngagementUpdate | EngagementStoredUpdate | ProductsUpdate | ScoresUpdate | LifecycleUpdate | AlertUpdate | AgentUpdate;
