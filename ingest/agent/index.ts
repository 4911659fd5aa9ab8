// The agent's public surface: build it from the config file and wire it to a sink and stores.
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { DiscoveryAgent } from './agent.js';
import { DEFAULT_EVERY, durationMs, type AgentConfig, type SourceConfig } from './config.js';
import { HttpClient, type HttpClientOptions } from './http.js';
import { FeedSource } from './sources/feeds.js';
import { FileSource } from './sources/files.js';
import { JsonLdSource } from './sources/jsonld.js';
import { ShopifySource } from './sources/shopify.js';
import { SimulatorSource, type SimulatorStep } from './sources/simulator.js';
import type { AgentSink, RunStore, Source, StateStore } from './types.js';

export { DiscoveryAgent, type AgentOptions, type AgentStatus, type AgentNotice, type ScheduledSource, type SourceStatus } from './agent.js';
export { AgentConfigError, agentConfigPath, loadAgentConfig, validateAgentConfig, type AgentConfig } from './config.js';
export { HttpClient, HttpError } from './http.js';
export { importFile, type ImportOptions, type ImportSummary } from './import.js';
export { JsonFileStateStore, MemoryRunStore, MemoryStateStore } from './state.js';
export type { SimulatorStep } from './sources/simulator.js';
export type * from './types.js';

export interface AgentDeps {
  sink: AgentSink;
  state: StateStore;
  runs: RunStore;
  logger: Logger;
  clock?: Clock;
  /** Needed when the config has a simulator source. */
  simulator?: SimulatorStep;
  /** Overrides of the config's http section (tests shorten timeouts). */
  http?: Partial<HttpClientOptions>;
}

export function createSource(s: SourceConfig, deps: Pick<AgentDeps, 'simulator'>): Source {
  switch (s.type) {
    case 'shopify': return new ShopifySource(s);
    case 'jsonld': return new JsonLdSource(s);
    case 'feed': return new FeedSource(s);
    case 'file': return new FileSource(s);
    case 'simulator':
      if (!deps.simulator) throw new Error(`source ${s.name}: the simulator is not available in this process`);
      return new SimulatorSource(s.name, deps.simulator);
  }
}

export function createAgent(config: AgentConfig, deps: AgentDeps): DiscoveryAgent {
  const http = new HttpClient({
    logger: deps.logger.child({ component: 'agent-http' }), state: deps.state,
    userAgent: config.userAgent, ...config.http, ...deps.http,
  });
  return new DiscoveryAgent({
    sources: config.sources.map((s) => ({ source: createSource(s, deps), everyMs: durationMs(s.every ?? DEFAULT_EVERY[s.type]), enabled: s.enabled ?? true })),
    sink: deps.sink, http, state: deps.state, runs: deps.runs, logger: deps.logger.child({ component: 'agent' }),
    clock: deps.clock, currency: config.currency,
  });
}
