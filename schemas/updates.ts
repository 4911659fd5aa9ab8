// Messages on the updates topic: what processors tell the API after each write, for the
// WebSocket gateway and cache invalidation. Internal, but versioned with the topic (updates.v1).
import { METRICS, type Metric } from './events.js';

export type Totals = Record<Metric | 'events', number>;

export const emptyTotals = (): Totals => Object.fromEntries([...METRICS, 'events'].map((m) => [m, 0])) as Totals;

export interface EngagementUpdate {
  kind: 'engagement';
  /** When the sink finished writing the batch. */
  writtenAt: number;
  /** Earliest bus acceptance time in the batch: freshness is measured from it. */
  acceptedAt: number;
  /** When the bus handed the sink the earliest of the batch's messages (the bench splits latency by stage with it). */
  deliveredAt: number;
  /** When the write that carried the batch began, after any wait behind the write before it (added field, for the same split). */
  startedAt: number;
  lastEventAt: string;
  /** Per product: the counts this batch added, and the minute bucket of its latest event. */
  products: Record<string, { delta: Totals; bucketTs: string }>;
}
export interface ProductsUpdate { kind: 'products'; productIds: string[] }
/** `at`: event time of the bucket each score covers (added field). */
export interface ScoresUpdate { kind: 'scores'; items: { productId: string; score: number; label: string; velocity: number; at?: string }[] }
/** Products whose lifecycle stage the forecaster stored (added kind). */
export interface LifecycleUpdate { kind: 'lifecycle'; productIds: string[] }
export interface AlertUpdate { kind: 'alert'; alert: Record<string, unknown> & { productId: string } }
export interface AgentUpdate { kind: 'agent'; status: string; run: Record<string, unknown> | null }

export type Update = EngagementUpdate | ProductsUpdate | ScoresUpdate | LifecycleUpdate | AlertUpdate | AgentUpdate;
