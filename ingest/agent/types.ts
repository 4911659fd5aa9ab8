// The agent's contracts. The agent knows nothing about the bus or the stores: what it discovers
// leaves through an AgentSink, its memory lives in a StateStore and its run history in a
// RunStore, each backed by whoever wires it (bus + Postgres in production, memory in tests).
import type { EngagementEvent, Platform, ProductMessage, VideoMessage } from '../../schemas/events.js';
import type { Logger } from '../../core/logger.js';
import type { HttpClient, ValidatorStore } from './http.js';

export type { EngagementEvent, Platform, ProductMessage, VideoMessage };

/** Where everything the agent and the importer discover goes. Every item passed has been validated. */
export interface AgentSink {
  products(items: ProductMessage[]): Promise<void>;
  events(items: EngagementEvent[]): Promise<void>;
  videos(items: VideoMessage[]): Promise<void>;
}

/** Small JSON key-value memory: HTTP validators, last-seen counters, the product catalogue. */
export interface StateStore extends ValidatorStore {
  /** Makes earlier writes durable; called by the agent after each run. */
  flush?(): Promise<void>;
}

/** Something a source noticed besides plain items, e.g. a price change on a store. */
export interface Change {
  productId: string;
  kind: 'new' | 'price' | 'variants';
  detail: string;
}

/** A problem inside a run that did not stop the run (one URL out of ten failed, a bad row). */
export interface RunError {
  message: string;
  code?: string;
  context?: Record<string, unknown>;
}

/** A product the agent already knows, for sources that match text against products (feeds). */
export interface KnownProduct {
  productId: string;
  title: string;
  brand?: string;
}

export interface SourceContext {
  http: HttpClient;
  /** Scoped to the source: keys never collide with another source's. */
  state: StateStore;
  logger: Logger;
  /** Run start, from the agent's clock. */
  now: number;
  signal: AbortSignal;
  knownProducts(): KnownProduct[];
}

export interface SourceResult {
  products: ProductMessage[];
  events: EngagementEvent[];
  videos: VideoMessage[];
  changes: Change[];
  errors: RunError[];
}

export interface Source {
  readonly name: string;
  run(ctx: SourceContext): Promise<SourceResult>;
}

export const emptyResult = (): SourceResult => ({ products: [], events: [], videos: [], changes: [], errors: [] });

export interface RunRecord {
  id: string;
  source: string;
  trigger: 'schedule' | 'manual';
  startedAt: string;
  endedAt: string | null;
  status: 'running' | 'ok' | 'partial' | 'failed';
  /** Products, events and videos the source reported (before dedupe and validation). */
  itemsFound: number;
  /** Products the agent had never seen before, from any source. */
  newProducts: number;
  productsSent: number;
  eventsSent: number;
  videosSent: number;
  changes: Partial<Record<Change['kind'], number>>;
  errors: RunError[];
}

/** Run history. The lead backs it with Postgres; MemoryRunStore serves tests and embedded use. */
export interface RunStore {
  save(run: RunRecord): Promise<void>;
  /** Newest first. */
  recent(opts?: { limit?: number; source?: string }): Promise<RunRecord[]>;
}
