// What route handlers need, passed in explicitly. `services` is null until the stores are up,
// so the server can answer `health` and an honest `ready` while it starts.
import type { ClickHouseClient } from '@clickhouse/client';
import type { Bus } from '../core/bus/types.js';
import type { Topics } from '../core/bus/topics.js';
import type { Clock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { Readiness } from '../core/readiness.js';
import type { Db } from '../core/stores/postgres.js';
import type { Ingestor } from '../ingest/accept.js';
import type { QueryCache } from './cache.js';
import type { AgentStatus } from './schemas/overview.js';
import type { DiscoveryAgent } from '../ingest/agent/index.js';
import type { ProductIndex } from './product-index.js';

export type { AgentRunView, AgentStatus } from './schemas/overview.js';

export interface Services {
  ch: ClickHouseClient;
  db: Db;
  bus: Bus;
  topics: Topics;
  ingestor: Ingestor;
  clock: Clock;
  agentStatus: () => Promise<AgentStatus>;
  /** The discovery agent when this process runs the ingest role; control routes need it. */
  agent: DiscoveryAgent | null;
  /** Each product's latest metadata and score in memory, once loaded (api role); until then the explorer and overview read SQL. */
  productIndex: ProductIndex | null;
}

export interface ApiContext {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  readiness: Readiness;
  cache: QueryCache;
  services: Services | null;
}

